import type { Logger } from "@portcullis/sdk";
import { describe, expect, it } from "vitest";
import { throttleLog } from "./log-throttle.js";

describe("throttleLog", () => {
  it("writes once per interval and reports what it suppressed", () => {
    let now = 0;
    const lines: [string, unknown][] = [];
    const logger = { warn: (message: string, fields: unknown) => lines.push([message, fields]) } as unknown as Logger;
    const throttled = throttleLog(10_000, () => now);
    throttled(logger, "warn", "down", { code: "X" });
    throttled(logger, "warn", "down", { code: "X" });
    throttled(logger, "warn", "down", { code: "X" });
    now = 10_000;
    throttled(logger, "warn", "down", { code: "X" });
    expect(lines).toEqual([
      ["down", { code: "X" }],
      ["down", { code: "X", suppressed: 2 }],
    ]);
  });
});
