import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts", "src/cli.ts", "src/fastify.ts"],
  format: ["esm"],
  dts: { entry: ["src/index.ts", "src/fastify.ts"] },
  sourcemap: true,
  clean: true,
  target: "node20",
  splitting: true,
});
