import { describe, expect, it } from "vitest";
import { counterKeyPrefix, unscopedId } from "./counter-key.js";

describe("counterKeyPrefix", () => {
  it("uses the plugin's scope, with Kong's zero UUID for an unscoped dimension", () => {
    expect(counterKeyPrefix({ routeId: undefined, serviceId: undefined })).toBe(`ratelimit:{${unscopedId}:${unscopedId}:`);
    expect(counterKeyPrefix({ routeId: "r1", serviceId: undefined })).toBe(`ratelimit:{r1:${unscopedId}:`);
    expect(counterKeyPrefix({ routeId: undefined, serviceId: "s1" })).toBe(`ratelimit:{${unscopedId}:s1:`);
  });
});
