import { describe, expect, it } from "vitest";
import { type IdentifierSource, identifierFor } from "./identifier.js";

function source(overrides: Partial<{ consumer: string; credential: string; service: string; path: string; headers: Record<string, string | string[]> }>) {
  return {
    consumer: overrides.consumer === undefined ? undefined : { id: overrides.consumer },
    credential: overrides.credential === undefined ? undefined : { id: overrides.credential, collection: "c", consumerId: "x" },
    service: overrides.service === undefined ? undefined : { id: overrides.service, name: undefined },
    request: { clientIp: "192.0.2.1", path: overrides.path ?? "/", headers: overrides.headers ?? {} },
  } as unknown as IdentifierSource;
}

describe("identifierFor (Kong's get_identifier)", () => {
  it("consumer: consumer id, else credential id, else IP", () => {
    const identify = identifierFor("consumer", undefined, undefined);
    expect(identify(source({ consumer: "c1", credential: "k1" }))).toBe("c1");
    expect(identify(source({ credential: "k1" }))).toBe("k1");
    expect(identify(source({}))).toBe("192.0.2.1");
  });
  it("credential, service, ip", () => {
    expect(identifierFor("credential", undefined, undefined)(source({ consumer: "c1", credential: "k1" }))).toBe("k1");
    expect(identifierFor("credential", undefined, undefined)(source({ consumer: "c1" }))).toBe("192.0.2.1");
    expect(identifierFor("service", undefined, undefined)(source({ service: "s1" }))).toBe("s1");
    expect(identifierFor("service", undefined, undefined)(source({}))).toBe("192.0.2.1");
    expect(identifierFor("ip", undefined, undefined)(source({ consumer: "c1" }))).toBe("192.0.2.1");
  });
  it("header: the first value, case-insensitive name, IP when absent or empty", () => {
    const identify = identifierFor("header", "X-Tenant", undefined);
    expect(identify(source({ headers: { "x-tenant": "acme" } }))).toBe("acme");
    expect(identify(source({ headers: { "x-tenant": ["one", "two"] } }))).toBe("one");
    expect(identify(source({ headers: { "x-tenant": "" } }))).toBe("192.0.2.1");
    expect(identify(source({}))).toBe("192.0.2.1");
  });
  it("path: only an exact match counts on its own", () => {
    const identify = identifierFor("path", undefined, "/1-test");
    expect(identify(source({ path: "/1-test" }))).toBe("/1-test");
    expect(identify(source({ path: "/1-test/sub" }))).toBe("192.0.2.1");
  });
});
