import { describe, expect, it } from "vitest";
import { newRequestId } from "./request-id.js";

describe("newRequestId", () => {
  it("is 32 lower-case hex digits, like nginx's $request_id", () => {
    expect(newRequestId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it("does not repeat across many refills of its pool", () => {
    const seen = new Set<string>();
    for (let index = 0; index < 5000; index++) seen.add(newRequestId());
    expect(seen.size).toBe(5000);
  });
});
