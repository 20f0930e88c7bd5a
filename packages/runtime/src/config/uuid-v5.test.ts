import { describe, expect, it } from "vitest";
import { PORTCULLIS_ID_NAMESPACE, uuidV5 } from "./uuid-v5.js";

// RFC 4122 Appendix C namespace for DNS names; the expected value is the widely published v5 vector
// (Python's uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com")).
const DNS_NAMESPACE = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";

describe("uuidV5", () => {
  it("matches the published RFC 4122 version 5 vector", () => {
    expect(uuidV5("www.example.com", DNS_NAMESPACE)).toBe("2ed6657d-e927-568b-95e1-2665a8aea6a2");
  });

  it("is stable, versioned 5 and variant RFC 4122 in the Portcullis namespace", () => {
    const first = uuidV5("services:name:orders");
    expect(uuidV5("services:name:orders")).toBe(first);
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(uuidV5("services:name:billing")).not.toBe(first);
    expect(uuidV5("services:name:orders", DNS_NAMESPACE)).not.toBe(uuidV5("services:name:orders", PORTCULLIS_ID_NAMESPACE));
  });
});
