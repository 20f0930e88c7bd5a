import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { normalizeConfig } from "./normalize-config.js";

const EXAMPLE = parse(readFileSync(new URL("./__fixtures__/kong-minimal.yaml", import.meta.url), "utf8")) as unknown;

/** A small deterministic PRNG (mulberry32), so a failure reproduces from its seed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

const REPLACEMENTS: readonly unknown[] = [
  null,
  undefined,
  0,
  -1,
  1e9,
  "",
  "x",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal reference to an unset variable.
  "${UNSET}",
  "~/(",
  "*.*",
  true,
  [],
  [null],
  [1, "a"],
  {},
  { a: 1 },
  "6c1e8f4a-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
];

function paths(value: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(prefix);
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) paths(item, [...prefix, index], out);
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) paths(item, [...prefix, key], out);
  }
  return out;
}

function mutate(document: unknown, next: () => number): unknown {
  const copy = structuredClone(document) as Record<string | number, unknown>;
  const all = paths(copy).filter((path) => path.length > 0);
  for (let count = 0; count < 3; count += 1) {
    const path = all[Math.floor(next() * all.length)]!;
    let parent: Record<string | number, unknown> | undefined = copy;
    for (const key of path.slice(0, -1)) {
      const child: unknown = parent?.[key];
      parent = child !== null && typeof child === "object" ? (child as Record<string | number, unknown>) : undefined;
    }
    if (parent !== undefined) parent[path.at(-1)!] = structuredClone(REPLACEMENTS[Math.floor(next() * REPLACEMENTS.length)]);
  }
  return copy;
}

describe("normalizeConfig on damaged documents", () => {
  it("returns issues with paths instead of throwing, for 2000 random mutations of the reference example", () => {
    const next = random(20240601);
    let failures = 0;
    for (let round = 0; round < 2000; round += 1) {
      const result = normalizeConfig(mutate(EXAMPLE, next), { env: {} });
      if (!result.ok) {
        failures += 1;
        for (const issue of result.issues) {
          expect(typeof issue.path).toBe("string");
          expect(issue.message.length).toBeGreaterThan(0);
        }
      }
    }
    expect(failures).toBeGreaterThan(1000);
  });
});
