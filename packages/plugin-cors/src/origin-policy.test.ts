import { describe, expect, it } from "vitest";
import { compileOriginPolicy, type OriginPolicyOptions } from "./origin-policy.js";

const policy = (origins: OriginPolicyOptions["origins"], credentials = false, allowAnyOriginWithCredentials = false) =>
  compileOriginPolicy({ origins, credentials, allowAnyOriginWithCredentials });

describe("compileOriginPolicy", () => {
  it.each([[undefined], [null], [[]], [["*"]]])("origins %j allow everyone with '*' and no Vary", (origins) => {
    const compiled = policy(origins);
    expect(compiled.allowsAnyOrigin).toBe(true);
    expect(compiled.resolve("http://a.test")).toEqual({ allowOrigin: "*", vary: false, credentials: false });
    expect(compiled.resolve(undefined)).toEqual({ allowOrigin: "*", vary: false, credentials: false });
  });

  it("'*' with credentials stays '*' without credentials by default (Fetch standard)", () => {
    expect(policy(["*"], true).resolve("http://a.test")).toEqual({ allowOrigin: "*", vary: false, credentials: false });
  });

  it("'*' with credentials echoes the Origin verbatim only under the opt-in (Kong's behaviour)", () => {
    const compiled = policy(["*"], true, true);
    expect(compiled.resolve("http://a.test:3000")).toEqual({ allowOrigin: "http://a.test:3000", vary: true, credentials: true });
    expect(compiled.resolve(undefined)).toEqual({ allowOrigin: "*", vary: false, credentials: false });
  });

  it("the opt-in does nothing without credentials", () => {
    expect(policy(["*"], false, true).resolve("http://a.test")).toEqual({ allowOrigin: "*", vary: false, credentials: false });
  });

  it("a single plain entry is sent verbatim whatever the Origin", () => {
    const compiled = policy(["example.test"], true);
    expect(compiled.allowsAnyOrigin).toBe(false);
    for (const origin of ["http://evil.test", undefined, "example.test"]) {
      expect(compiled.resolve(origin)).toEqual({ allowOrigin: "example.test", vary: true, credentials: true });
    }
  });

  it("a list holding '*' allows everyone once an Origin is present, whatever its position", () => {
    const compiled = policy(["http://a.test", "*"]);
    expect(compiled.allowsAnyOrigin).toBe(true);
    expect(compiled.resolve("http://a.test")).toEqual({ allowOrigin: "*", vary: true, credentials: false });
    expect(compiled.resolve("http://b.test")).toEqual({ allowOrigin: "*", vary: true, credentials: false });
    expect(compiled.resolve(undefined)).toEqual({ allowOrigin: null, vary: true, credentials: false });
    expect(policy(["http://a.test", "*"], true, true).resolve("http://b.test")).toEqual({
      allowOrigin: "http://b.test",
      vary: true,
      credentials: true,
    });
  });

  it("answers an allowed Origin with its normalized form and credentials", () => {
    const compiled = policy(["http://a.test", "https://(.*\\.)?b\\.test", "c\\.test"], true);
    expect(compiled.resolve("http://a.test:80")).toEqual({ allowOrigin: "http://a.test", vary: true, credentials: true });
    expect(compiled.resolve("https://x.b.test")).toEqual({ allowOrigin: "https://x.b.test", vary: true, credentials: true });
    expect(compiled.resolve("http://c.test:9")).toEqual({ allowOrigin: "http://c.test:9", vary: true, credentials: true });
  });

  it("never allows credentials for a rejected or absent Origin (Kong does)", () => {
    const compiled = policy(["http://a.test", "http://b.test"], true);
    expect(compiled.resolve("http://evil.test")).toEqual({ allowOrigin: null, vary: true, credentials: false });
    expect(compiled.resolve(undefined)).toEqual({ allowOrigin: null, vary: true, credentials: false });
  });

  it("gives the same answer from its cache, and stays bounded past 1000 distinct origins", () => {
    const compiled = policy(["(.*\\.)?a\\.test"]);
    const first = compiled.resolve("http://x.a.test");
    expect(compiled.resolve("http://x.a.test")).toBe(first);
    for (let index = 0; index < 1500; index++) compiled.resolve(`http://h${index}.a.test`);
    expect(compiled.resolve("http://x.a.test")).toEqual(first);
    expect(compiled.resolve("http://x.a.test.evil")).toEqual({ allowOrigin: null, vary: true, credentials: false });
  });
});
