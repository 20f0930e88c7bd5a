/**
 * Kong's `spec/03-plugins/19-hmac-auth/03-access_spec.lua`, case by case. Route configs as in the spec (all with
 * clock_skew 3000); signatures are computed in the test with node:crypto.
 */
import { type ConsumerFixture, createHarness } from "@portcullis/sdk/testing";
import { describe, expect, it } from "vitest";
import {
  bobId,
  date,
  fakeKeyAuth,
  hmacBase64,
  kongAuthorization,
  kongConsumers,
  message,
  noBodyId,
  now,
  runHmac,
  runHmacChain,
  sha256Digest,
} from "../test/fixtures.js";
import { hmacAuth } from "./plugin.js";

const hmacauth = { clock_skew: 3000, realm: "test-realm" };
const hmacauth2 = { clock_skew: 3000, anonymous: noBodyId };
const hmacauth4 = { clock_skew: 3000, validate_request_body: true };
const hmacauth5 = { clock_skew: 3000, enforce_headers: ["date", "request-line"], validate_request_body: true };
const hmacauth6 = { ...hmacauth5, algorithms: ["hmac-sha1", "hmac-sha256"] };
const hmacauth7 = { clock_skew: 3000, anonymous: "no-body" };
const plain = { clock_skew: 3000 };

const cannotVerify = "HMAC signature cannot be verified";
const doesNotMatch = "HMAC signature does not match";
const dateRequired =
  "HMAC signature cannot be verified, a valid date or x-date header is required for HMAC Authentication";

const dateSigned = kongAuthorization({ headers: "date", signingString: `date: ${date}` });

describe("hmac-auth (Kong spec): failures", () => {
  it("POST with a date but no credentials: 401 Unauthorized with the realm", async () => {
    const result = await runHmac(hmacauth, { method: "POST", path: "/requests", headers: { date } });
    expect(result.status).toBe(401);
    expect(message(result)).toBe("Unauthorized");
    expect(result.headers["www-authenticate"]).toBe('hmac realm="test-realm"');
    expect(result.text()).toMatch(/^\{\n {2}"message":"Unauthorized",\n {2}"request_id":"[^"]+"\n\}$/);
  });

  it("a garbage Proxy-Authorization: 401 with `WWW-Authenticate: hmac`", async () => {
    const result = await runHmac(hmacauth6, {
      headers: { date, "proxy-authorization": "this is no hmac token at all is it?" },
    });
    expect(result.status).toBe(401);
    expect(message(result)).toBe(cannotVerify);
    expect(result.headers["www-authenticate"]).toBe("hmac");
  });

  it("gRPC without credentials (emulated as a POST): 401 Unauthorized", async () => {
    const result = await runHmac(plain, {
      method: "POST",
      path: "/hello.HelloService/SayHello",
      httpVersion: "2.0",
      headers: { "content-type": "application/grpc", date },
    });
    expect(result.status).toBe(401);
    expect(message(result)).toBe("Unauthorized");
  });

  it("`authorization: asd` with a date: cannot be verified", async () => {
    const result = await runHmac(plain, { headers: { date, authorization: "asd" } });
    expect([result.status, message(result)]).toEqual([401, cannotVerify]);
  });

  it("a signature that is not base64: does not match", async () => {
    const result = await runHmac(plain, {
      headers: {
        date,
        authorization: 'hmac username="bob",algorithm="hmac-sha1",headers="date",signature="not really a base64 encoded value!!!"',
      },
    });
    expect([result.status, message(result)]).toEqual([401, doesNotMatch]);
  });

  it("`authorization: asd` without a date: the date message (clock skew is checked first)", async () => {
    const result = await runHmac(plain, { headers: { authorization: "asd" } });
    expect([result.status, message(result)]).toEqual([401, dateRequired]);
  });

  it.each([
    ["proxy-authorization", "asd"],
    ["proxy-authorization", "hmac :dXNlcm5hbWU6cGFzc3dvcmQ="],
    ["proxy-authorization", "hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ="],
    ["authorization", "hmac username=,algorithm,headers,dXNlcm5hbWU6cGFzc3dvcmQ="],
    ["authorization", "hmac username"],
    ["authorization", `hmac algorithm="hmac-sha1",headers="date",signature="${hmacBase64("hmac-sha1", `date: ${date}`)}"`],
    ["authorization", 'hmac username="bob",algorithm="hmac-sha1",headers="date"'],
  ])("%s %j: cannot be verified", async (name, value) => {
    const result = await runHmac(plain, { headers: { date, [name]: value } });
    expect([result.status, message(result)]).toEqual([401, cannotVerify]);
  });

  it("a date but no auth header: Unauthorized", async () => {
    const result = await runHmac(plain, { headers: { date } });
    expect([result.status, message(result)]).toEqual([401, "Unauthorized"]);
    expect(result.headers["www-authenticate"]).toBe("hmac");
  });
});

describe("hmac-auth (Kong spec): successes", () => {
  it("GET signed over date with hmac-sha1: 200, and the Authorization header is forwarded", async () => {
    const result = await runHmac(plain, { path: "/requests", headers: { date, authorization: dateSigned } });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers.authorization).toBe(dateSigned);
  });

  it("gRPC signed over date, and over date @request-target (emulated as a POST)", async () => {
    const grpc = { method: "POST", path: "/hello.HelloService/SayHello", httpVersion: "2.0" } as const;
    const first = await runHmac(plain, { ...grpc, headers: { date, "content-type": "application/grpc", authorization: dateSigned } });
    expect(first.status).toBe(200);
    const second = await runHmac(plain, {
      ...grpc,
      headers: {
        date,
        "content-type": "application/grpc",
        authorization: kongAuthorization({
          headers: "date @request-target",
          signingString: `date: ${date}\n@request-target: post /hello.HelloService/SayHello`,
        }),
      },
    });
    expect(second.status).toBe(200);
  });

  it("Proxy-Authorization works for GET and POST", async () => {
    for (const method of ["GET", "POST"]) {
      const result = await runHmac(plain, { method, headers: { date, "proxy-authorization": dateSigned } });
      expect(result.status).toBe(200);
    }
  });

  it("a valid Authorization wins over a useless Proxy-Authorization, and vice versa", async () => {
    const first = await runHmac(plain, { headers: { date, authorization: dateSigned, "proxy-authorization": "hmac username" } });
    expect(first.status).toBe(200);
    const second = await runHmac(plain, { headers: { date, authorization: "hello", "proxy-authorization": dateSigned } });
    expect(second.status).toBe(200);
  });

  it("signed over date content-md5, date content-md5 request-line, and date content-md5 @request-target", async () => {
    const cases = [
      ["date content-md5", `date: ${date}\ncontent-md5: md5`],
      ["date content-md5 request-line", `date: ${date}\ncontent-md5: md5\nGET /request HTTP/1.1`],
      ["date content-md5 @request-target", `date: ${date}\ncontent-md5: md5\n@request-target: get /request`],
    ];
    for (const [headers, signingString] of cases) {
      const result = await runHmac(plain, {
        path: "/request",
        headers: { date, "content-md5": "md5", authorization: kongAuthorization({ headers: headers!, signingString: signingString! }) },
      });
      expect(result.status, headers).toBe(200);
    }
  });

  it("an HTTP/1.0 request signs its request-line as HTTP/1.0", async () => {
    const result = await runHmac(plain, {
      path: "/request",
      httpVersion: "1.0",
      headers: {
        date,
        authorization: kongAuthorization({ headers: "date request-line", signingString: `date: ${date}\nGET /request HTTP/1.0` }),
      },
    });
    expect(result.status).toBe(200);
  });
});

describe("hmac-auth (Kong spec): malformed parameters", () => {
  const signature = hmacBase64("hmac-sha1", `date: ${date}`);
  it.each([
    ["username bobb", `hmac username="bobb", algorithm="hmac-sha1", headers="date", signature="${signature}"`],
    ["an empty username", `hmac username="", algorithm="hmac-sha1", headers="date", signature="${signature}"`],
    ["no username", `hmac algorithm="hmac-sha1", headers="date", signature="${signature}"`],
    ["wrong_header=", `hmac username="bob", algorithm="hmac-sha1", wrong_header="date", signature="${signature}"`],
    ["wrong_signature=", `hmac username="bob", algorithm="hmac-sha1", headers="date", wrong_signature="${signature}"`],
    ["no comma after algorithm (signature)", `hmac username="bob", algorithm="hmac-sha1" headers="date", signature="${signature}"`],
    ["no comma after algorithm (headers)", `hmac username="bob", algorithm="hmac-sha1" headers="date" signature="${signature}"`],
    ["algorithm hmac-sha", `hmac username="bob", algorithm="hmac-sha", headers="date", signature="${signature}"`],
  ])("%s: cannot be verified", async (_label, authorization) => {
    const result = await runHmac(plain, { headers: { date, authorization } });
    expect([result.status, message(result)]).toEqual([401, cannotVerify]);
  });

  it("no spaces between the fields: 200", async () => {
    const authorization = `hmac username="bob",algorithm="hmac-sha1",headers="date",signature="${signature}"`;
    expect((await runHmac(plain, { headers: { date, authorization } })).status).toBe(200);
  });
});

describe("hmac-auth (Kong spec): consumer headers and dates", () => {
  it("hmac-sha256: the upstream sees the consumer and the credential username, and no anonymous flag", async () => {
    const result = await runHmac(plain, {
      headers: {
        date,
        authorization: kongAuthorization({ algorithm: "hmac-sha256", headers: "date", signingString: `date: ${date}` }),
        "x-anonymous-consumer": "true",
        "x-consumer-username": "mallory",
      },
    });
    expect(result.status).toBe(200);
    const upstream = result.upstreamRequest!.headers;
    expect(upstream["x-consumer-id"]).toBe(bobId);
    expect(upstream["x-consumer-custom-id"]).toBe("1234");
    expect(upstream["x-consumer-username"]).toBe("bob");
    expect(upstream["x-credential-identifier"]).toBe("bob");
    expect(upstream["x-anonymous-consumer"]).toBeUndefined();
    expect(result.consumer?.id).toBe(bobId);
    expect(result.credential?.username).toBe("bob");
  });

  it("x-date alone, signed as x-date: 200", async () => {
    const authorization = kongAuthorization({ headers: "x-date", signingString: `x-date: ${date}` });
    expect((await runHmac(plain, { headers: { "x-date": date, authorization } })).status).toBe(200);
  });

  it("neither date nor x-date, or only a wrong x-date: the date message", async () => {
    const authorization = kongAuthorization({ headers: "date", signingString: `date: ${date}` });
    const cases: Record<string, string>[] = [{ authorization }, { authorization, "x-date": "wrong date" }];
    for (const headers of cases) {
      const result = await runHmac(plain, { headers });
      expect([result.status, message(result)]).toEqual([401, dateRequired]);
    }
  });

  it("a wrong x-date with a valid date passes the skew check, whatever is signed", async () => {
    const cases = [
      ["content-md5", "content-md5: md5"],
      ["date", `date: ${date}`],
      ["x-date", "x-date: wrong date"],
    ];
    for (const [headers, signingString] of cases) {
      const result = await runHmac(plain, {
        headers: {
          date,
          "x-date": "wrong date",
          "content-md5": "md5",
          authorization: kongAuthorization({ headers: headers!, signingString: signingString! }),
        },
      });
      expect(result.status, headers).toBe(200);
    }
  });

  it("a wrong date with a valid x-date, signed over the wrong date: 200", async () => {
    const result = await runHmac(plain, {
      headers: {
        date: "wrong date",
        "x-date": date,
        authorization: kongAuthorization({ headers: "date", signingString: "date: wrong date" }),
      },
    });
    expect(result.status).toBe(200);
  });

  it("a date outside clock_skew: the date message; RFC 850 and asctime dates pass", async () => {
    const stale = "Wed, 31 Dec 2025 23:00:00 GMT";
    const result = await runHmac({ clock_skew: 300 }, {
      headers: { date: stale, authorization: kongAuthorization({ headers: "date", signingString: `date: ${stale}` }) },
    });
    expect([result.status, message(result)]).toEqual([401, dateRequired]);
    for (const other of ["Thursday, 01-Jan-26 00:00:00 GMT", "Thu Jan  1 00:00:00 2026"]) {
      const passed = await runHmac({ clock_skew: 300 }, {
        headers: { date: other, authorization: kongAuthorization({ headers: "date", signingString: `date: ${other}` }) },
      });
      expect(passed.status, other).toBe(200);
    }
  });
});

describe("hmac-auth (Kong spec): anonymous", () => {
  it("valid credentials on an anonymous route: bob, no anonymous flag", async () => {
    const result = await runHmac(hmacauth2, { headers: { date, authorization: dateSigned } });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-consumer-username"]).toBe("bob");
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBeUndefined();
  });

  it.each([
    ["by id", hmacauth2],
    ["by username", hmacauth7],
  ])("no credentials, anonymous %s: 200 as no-body", async (_label, config) => {
    const result = await runHmac(config, { headers: { date, "x-credential-identifier": "spoofed" } });
    expect(result.status).toBe(200);
    const upstream = result.upstreamRequest!.headers;
    expect(upstream["x-anonymous-consumer"]).toBe("true");
    expect(upstream["x-consumer-id"]).toBe(noBodyId);
    expect(upstream["x-consumer-username"]).toBe("no-body");
    expect(upstream["x-credential-identifier"]).toBeUndefined();
    expect(result.credential).toBeUndefined();
  });

  it("a bad signature on an anonymous route falls back to anonymous", async () => {
    const result = await runHmac(hmacauth2, {
      headers: { date, authorization: 'hmac username="bob",algorithm="hmac-sha1",headers="date",signature="AAAA"' },
    });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["x-anonymous-consumer"]).toBe("true");
  });

  it("an anonymous consumer that does not exist is refused at load (Kong: 500 per request)", async () => {
    const anonymous = "33333333-3333-4333-8333-333333333333";
    await expect(createHarness([{ plugin: hmacAuth, config: { anonymous } }], { consumers: kongConsumers })).rejects.toMatchObject({
      code: "PC_HMAC_ANONYMOUS_NOT_FOUND",
      message: `hmac-auth: config.anonymous: anonymous consumer ${anonymous} is configured but doesn't exist`,
    });
  });
});

describe("hmac-auth (Kong spec): body validation", () => {
  const body = '{"a":"apple","b":"ball"}';
  const digest = sha256Digest(body);

  it("POST with a body and no Digest: does not match", async () => {
    const result = await runHmac(hmacauth4, { method: "POST", body, headers: { date, authorization: dateSigned } });
    expect([result.status, message(result)]).toEqual([401, doesNotMatch]);
    expect(result.headers["www-authenticate"]).toBe("hmac");
  });

  it("GET without a body: 200 without a Digest, with an empty body, and with the signed empty-body digest", async () => {
    expect((await runHmac(hmacauth4, { headers: { date, authorization: dateSigned } })).status).toBe(200);
    expect((await runHmac(hmacauth4, { body: "", headers: { date, authorization: dateSigned } })).status).toBe(200);
    const emptyDigest = sha256Digest("");
    const authorization = kongAuthorization({ headers: "date digest", signingString: `date: ${date}\ndigest: ${emptyDigest}` });
    expect((await runHmac(hmacauth4, { headers: { date, digest: emptyDigest, authorization } })).status).toBe(200);
  });

  it("POST with a correct digest: 200 (signed over date digest, and over date digest request-line)", async () => {
    expect(digest).toBe("SHA-256=s1LCLQj3e+R2YI0RvxPX3m04itVjOmOt42CBkKLiHfI=");
    const signed = kongAuthorization({ headers: "date digest", signingString: `date: ${date}\ndigest: ${digest}` });
    expect(hmacBase64("hmac-sha1", `date: ${date}\ndigest: ${digest}`)).toBe("Sjhp5p015Jzt3MybULuiruAvEl0=");
    expect((await runHmac(hmacauth4, { method: "POST", body, headers: { date, digest, authorization: signed } })).status).toBe(200);
    const withLine = kongAuthorization({
      headers: "date digest request-line",
      signingString: `date: ${date}\ndigest: ${digest}\nPOST /request HTTP/1.1`,
    });
    const result = await runHmac(hmacauth4, { method: "POST", path: "/request", body, headers: { date, digest, authorization: withLine } });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.body.toString()).toBe(body);
  });

  it("the Digest omitted although listed, a tampered body, or a spoofed digest: does not match", async () => {
    const signedOmitted = kongAuthorization({ headers: "date digest", signingString: `date: ${date}\ndigest:` });
    const omitted = await runHmac(hmacauth4, { method: "POST", body, headers: { date, authorization: signedOmitted } });
    expect([omitted.status, message(omitted)]).toEqual([401, doesNotMatch]);
    const signed = kongAuthorization({ headers: "date digest", signingString: `date: ${date}\ndigest: ${digest}` });
    const tampered = await runHmac(hmacauth4, { method: "POST", body: "abc", headers: { date, digest, authorization: signed } });
    expect([tampered.status, message(tampered)]).toEqual([401, doesNotMatch]);
    const spoofedDigest = `${digest}spoofed`;
    const spoofed = await runHmac(hmacauth4, {
      method: "POST",
      body,
      headers: {
        date,
        digest: spoofedDigest,
        authorization: kongAuthorization({ headers: "date digest", signingString: `date: ${date}\ndigest: ${spoofedDigest}` }),
      },
    });
    expect([spoofed.status, message(spoofed)]).toEqual([401, doesNotMatch]);
  });
});

describe("hmac-auth (Kong spec): request-line with enforce_headers", () => {
  function requestLineAuthorization(requestUri: string, algorithm = "hmac-sha1") {
    return kongAuthorization({
      algorithm,
      headers: "date request-line",
      signingString: `date: ${date}\nGET ${requestUri} HTTP/1.1`,
    });
  }

  it.each([
    "/request",
    "/request?name=foo",
    "/request/?name=foo",
    "/request?name=foo%20bar",
    "/request?name=foo%20b%C3%A1r",
    "/request?name=foo&age=30",
    "/request?name=foo&name=bar",
    "/",
    "/request/some%20value/?name=foo&name=bar",
  ])("%s signed exactly as sent: 200", async (path) => {
    const result = await runHmac(hmacauth5, { path, headers: { date, authorization: requestLineAuthorization(path) } });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.rawQuery).toBe(path.includes("?") ? path.slice(path.indexOf("?") + 1) : "");
  });

  it("signed without the query: 401", async () => {
    for (const [path, signed] of [
      ["/request?name=foo", "/request"],
      ["/request/?name=foo", "/request/"],
    ]) {
      const result = await runHmac(hmacauth5, { path, headers: { date, authorization: requestLineAuthorization(signed!) } });
      expect([result.status, message(result)]).toEqual([401, doesNotMatch]);
    }
  });

  it("the enforced request-line missing from the list: 401 cannot be verified", async () => {
    const result = await runHmac(hmacauth5, { path: "/request", headers: { date, authorization: dateSigned } });
    expect([result.status, message(result)]).toEqual([401, cannotVerify]);
    expect(result.headers["www-authenticate"]).toBe("hmac");
  });

  it("sha384 and sha512 pass on hmacauth5; sha512 fails and sha1 passes on hmacauth6", async () => {
    for (const algorithm of ["hmac-sha384", "hmac-sha512"]) {
      const result = await runHmac(hmacauth5, { path: "/request", headers: { date, authorization: requestLineAuthorization("/request", algorithm) } });
      expect(result.status, algorithm).toBe(200);
    }
    const refused = await runHmac(hmacauth6, {
      path: "/request",
      headers: { date, authorization: requestLineAuthorization("/request", "hmac-sha512") },
    });
    expect([refused.status, message(refused)]).toEqual([401, cannotVerify]);
    const accepted = await runHmac(hmacauth6, { path: "/request", headers: { date, authorization: requestLineAuthorization("/request") } });
    expect(accepted.status).toBe(200);
  });
});

describe("hmac-auth (Kong spec): multiple authentication, key-auth (1250) before hmac-auth (1030)", () => {
  const anonymousId = "44444444-4444-4444-8444-444444444444";
  const consumers: ConsumerFixture[] = [
    { id: "u1", username: "user1", credentials: { keyauth_credentials: [{ key: "Mouse" }] } },
    { id: "u2", username: "user2", credentials: { hmacauth_credentials: [{ username: "Aladdin", secret: "OpenSesame" }] } },
    { id: anonymousId, username: "Anonymous" },
  ];
  const hmacCredentials = {
    date,
    authorization: kongAuthorization({
      username: "Aladdin",
      secret: "OpenSesame",
      headers: "date",
      signingString: `date: ${date}`,
    }),
  };
  const apikey = { apikey: "Mouse" };

  const and = [{ plugin: fakeKeyAuth }, { plugin: hmacAuth, config: {} }];
  const or = [
    { plugin: fakeKeyAuth, config: { anonymous: anonymousId } },
    { plugin: hmacAuth, config: { anonymous: anonymousId } },
  ];

  it.each([
    ["both", { ...apikey, ...hmacCredentials }, 200, undefined],
    ["apikey only", { ...apikey, date }, 401, "hmac"],
    ["hmac only", hmacCredentials, 401, "Key"],
    ["none", { date }, 401, "Key"],
  ])("AND, %s: %i", async (_label, headers, status, challenge) => {
    const result = await runHmacChain(and, { headers }, consumers);
    expect(result.status).toBe(status);
    if (challenge !== undefined) expect(String(result.headers["www-authenticate"]).startsWith(challenge)).toBe(true);
  });

  it.each([
    ["both", { ...apikey, ...hmacCredentials }, "user1"],
    ["apikey only", { ...apikey, date }, "user1"],
    ["hmac only", hmacCredentials, "user2"],
    ["none", { date }, "Anonymous"],
  ])("OR, %s: 200 as %s", async (_label, headers, username) => {
    const result = await runHmacChain(or, { headers }, consumers);
    expect(result.status).toBe(200);
    const upstream = result.upstreamRequest!.headers;
    expect(upstream["x-consumer-username"]).toBe(username);
    if (username === "Anonymous") {
      expect(upstream["x-anonymous-consumer"]).toBe("true");
      expect(upstream["x-consumer-id"]).toBe(anonymousId);
    } else expect(upstream["x-anonymous-consumer"]).toBeUndefined();
  });
});

describe("hmac-auth: hide_credentials", () => {
  it("removes the Authorization header that was used", async () => {
    const result = await runHmac({ hide_credentials: true }, { headers: { date, authorization: dateSigned } });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers.authorization).toBeUndefined();
  });

  it("removes only Proxy-Authorization when it was the one used", async () => {
    const result = await runHmac({ hide_credentials: true }, {
      headers: { date, authorization: "Basic keep-me", "proxy-authorization": dateSigned },
    });
    expect(result.status).toBe(200);
    expect(result.upstreamRequest?.headers["proxy-authorization"]).toBeUndefined();
    expect(result.upstreamRequest?.headers.authorization).toBe("Basic keep-me");
  });

  it("keeps the fake clock honest: the harness now is the signed date", () => {
    expect(new Date(now).toUTCString()).toBe(date);
  });
});
