import { defineConfig } from "vitest/config";

/**
 * Tests run against package sources, not `dist`: the `@portcullis/source` export condition points each workspace
 * package at its `src/`, so a change is tested without a rebuild.
 */
export function packageTestConfig(options: { testTimeout?: number; include?: string[] } = {}) {
  return defineConfig({
    resolve: { conditions: ["@portcullis/source", "import", "node", "default"] },
    // No "import" here: vitest hands these to Node, and CommonJS code (Express 5's router) would then load the ESM
    // half of dual packages.
    ssr: { resolve: { conditions: ["@portcullis/source", "node", "development|production"] } },
    test: {
      include: options.include ?? ["src/**/*.test.ts", "test/**/*.test.ts"],
      exclude: ["**/node_modules/**", "**/dist/**"],
      testTimeout: options.testTimeout ?? 20_000,
      hookTimeout: 30_000,
      teardownTimeout: 10_000,
      pool: "forks",
      typecheck: { enabled: true, include: ["src/**/*.test-d.ts"] },
    },
  });
}
