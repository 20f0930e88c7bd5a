import { expectTypeOf, test } from "vitest";
import type { AccessContext, HeaderFilterContext, LogContext } from "./context.js";
import { definePlugin } from "./define-plugin.js";

test("create receives the config type inferred from the schema", () => {
  definePlugin({
    name: "typed",
    version: "1.0.0",
    priority: 1,
    configSchema: {
      type: "object",
      properties: {
        minute: { type: "number" },
        policy: { type: "string", enum: ["local", "redis"], default: "local" },
        names: { type: "array", items: { type: "string" }, default: [] },
        redis: { type: "object", properties: { host: { type: "string" }, port: { type: "integer", default: 6379 } } },
      },
      required: ["minute"],
    },
    create(config) {
      expectTypeOf(config.minute).toEqualTypeOf<number>();
      expectTypeOf(config.policy).toEqualTypeOf<"local" | "redis">();
      expectTypeOf(config.names).toEqualTypeOf<string[]>();
      expectTypeOf(config.redis).toEqualTypeOf<{ host?: string; port: number } | undefined>();
      return {};
    },
  });
});

test("a declared config type is used as is", () => {
  interface Declared {
    readonly greeting: string;
  }
  definePlugin<Declared>({
    name: "declared",
    version: "1.0.0",
    priority: 1,
    configSchema: { type: "object" },
    create(config) {
      expectTypeOf(config).toEqualTypeOf<Declared>();
      return {};
    },
  });
});

test("phase contexts are narrowed", () => {
  expectTypeOf<AccessContext>().toHaveProperty("respond");
  expectTypeOf<AccessContext>().toHaveProperty("upstream");
  expectTypeOf<HeaderFilterContext>().not.toHaveProperty("respond");
  expectTypeOf<HeaderFilterContext["response"]>().toHaveProperty("setStatus");
  expectTypeOf<LogContext>().not.toHaveProperty("upstream");
  expectTypeOf<LogContext["response"]>().not.toHaveProperty("setHeader");
  expectTypeOf<LogContext>().toHaveProperty("timings");
});
