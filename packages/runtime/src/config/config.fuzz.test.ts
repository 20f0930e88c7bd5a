/**
 * Property tests of config loading: random documents, random shapes built from Kong's vocabulary, and random file
 * text. Loading never throws; it always answers ok with a config, or not ok with at least one issue.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadConfig, normalizeConfig } from "./load-config.js";
import type { ConfigResult } from "./types.js";

function expectWellFormed(result: ConfigResult): void {
  if (result.ok) {
    expect(Array.isArray(result.config.services)).toBe(true);
  } else {
    expect(result.issues.length).toBeGreaterThan(0);
    for (const issue of result.issues) {
      expect(typeof issue.path).toBe("string");
      expect(typeof issue.message).toBe("string");
    }
  }
}

const scalar = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 65536, 1e300, Number.NaN, "", "3.0", "1.1", "*", "~/(", "~/[a-z]+", "/"),
  fc.constantFrom("http://127.0.0.1:1/x", "https://[::1]:443", "ftp://x", "http://", "grpc://h:1", "round-robin", "jwt", "cors"),
  fc.constantFrom("${UNSET}", "${A:-b}", "$${A}", "${", "__proto__", "constructor", "hasOwnProperty", "./plugin.js"),
  fc.string({ maxLength: 12 }),
  fc.integer(),
);

/** Keys Kong's declarative format uses, so random documents reach deep into the normaliser instead of stopping at the top. */
const key = fc.constantFrom(
  "_format_version", "_transform", "services", "routes", "upstreams", "targets", "consumers", "plugins", "name", "url", "host",
  "port", "path", "paths", "protocol", "protocols", "hosts", "methods", "headers", "strip_path", "preserve_host", "regex_priority",
  "retries", "connect_timeout", "read_timeout", "write_timeout", "service", "route", "consumer", "config", "enabled", "username",
  "custom_id", "jwt_secrets", "hmacauth_credentials", "key", "secret", "algorithm", "target", "weight", "hash_on", "healthchecks",
  "id", "tags", "__proto__", "constructor", "x",
);

const shaped: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("array"), tie("object")),
  array: fc.array(tie("value"), { maxLength: 4 }),
  object: fc.dictionary(key, tie("value"), { maxKeys: 6 }),
})).value;

const documentLike = fc.record(
  {
    _format_version: fc.oneof(fc.constant("3.0"), scalar),
    services: fc.oneof(fc.array(fc.dictionary(key, shaped, { maxKeys: 8 }), { maxLength: 3 }), shaped),
    consumers: fc.oneof(fc.array(fc.dictionary(key, shaped, { maxKeys: 6 }), { maxLength: 3 }), shaped),
    plugins: fc.oneof(fc.array(fc.dictionary(key, shaped, { maxKeys: 6 }), { maxLength: 3 }), shaped),
    upstreams: shaped,
  },
  { requiredKeys: [] },
);

describe("normalizeConfig never throws", () => {
  it("on any JSON-like value", () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), (document) => {
        expectWellFormed(normalizeConfig(document, { env: {} }));
      }),
      { numRuns: 500 },
    );
  });

  it("on documents built from Kong's vocabulary", () => {
    fc.assert(
      fc.property(documentLike, (document) => {
        expectWellFormed(normalizeConfig(document, { env: {} }));
      }),
      { numRuns: 800 },
    );
  });
});

describe("loadConfig never throws", () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "portcullis-config-fuzz-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  const text = fc.oneof(
    fc.string({ maxLength: 200 }),
    documentLike.map((document) => stringify(document)),
    documentLike.map((document) => JSON.stringify(document) ?? ""),
    fc.constantFrom("a: &a [*a]", "!!binary x", "? [a]\n: b", "- - - -", "{", "%YAML 9.9\n---\n", "\uFEFF_format_version: '3.0'", "a: !!js/function f"),
  );

  it("on random file text, in YAML and JSON files", async () => {
    let counter = 0;
    await fc.assert(
      fc.asyncProperty(text, fc.constantFrom("yaml", "json", "yml"), async (content, extension) => {
        const file = join(directory, `config-${counter++}.${extension}`);
        await writeFile(file, content);
        expectWellFormed(await loadConfig(file, { env: {} }));
      }),
      { numRuns: 200 },
    );
  });

  it("on objects passed directly", async () => {
    await fc.assert(
      fc.asyncProperty(documentLike, async (document) => {
        expectWellFormed(await loadConfig(document as object, { env: {} }));
      }),
      { numRuns: 200 },
    );
  });
});
