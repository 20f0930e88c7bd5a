import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderErrorBody } from "./error-body.js";
import { defineErrorCode, GatewayError, sdkErrors } from "./errors.js";

describe("GatewayError", () => {
  it("carries code, status and exposure", () => {
    const error = new GatewayError("PC_X", "nope", 401);
    expect(error.code).toBe("PC_X");
    expect(error.status).toBe(401);
    expect(error.expose).toBe(true);
    expect(new GatewayError("PC_Y", "internal", 502).expose).toBe(false);
  });

  it("is recognised across copies through the Symbol.for brand", () => {
    const foreign = { [Symbol.for("portcullis.error")]: true, code: "X" };
    expect(GatewayError.is(foreign)).toBe(true);
    expect(GatewayError.is(new Error("plain"))).toBe(false);
  });

  it("fills %s placeholders in order", () => {
    const factory = defineErrorCode("PC_T", "bad %s at %s", 400);
    expect(factory("token", "header").message).toBe("bad token at header");
    expect(factory.code).toBe("PC_T");
  });

  it("documents every registry code in the README", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    for (const factory of Object.values(sdkErrors)) expect(readme).toContain(factory.code);
  });
});

describe("renderErrorBody", () => {
  it("renders Kong's JSON template by default", () => {
    expect(renderErrorBody('say "hi"', "rid").body).toBe('{\n  "message":"say \\"hi\\"",\n  "request_id":"rid"\n}');
  });

  it("negotiates plain text, HTML and XML from Accept", () => {
    expect(renderErrorBody("Unauthorized", "r1", "text/plain").body).toBe("Unauthorized\nrequest_id: r1\n");
    expect(renderErrorBody("<x>", "r1", "text/html").body).toContain("<p>&#60;x&#62;.</p>");
    expect(renderErrorBody("m", "r1", "application/xml").contentType).toMatch(/^application\/xml/);
    expect(renderErrorBody("m", "r1", "text/html;q=0.1, application/xml;q=0.9").contentType).toMatch(/xml/);
  });
});
