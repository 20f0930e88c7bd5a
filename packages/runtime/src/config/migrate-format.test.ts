import { describe, expect, it } from "vitest";
import { migrateRoutePath, migrateToFormat3 } from "./migrate-format.js";

describe("format 1.1/2.1 migration", () => {
  it("prefixes regex-looking paths with ~ and keeps plain prefixes", () => {
    expect(migrateRoutePath("/orders")).toBe("/orders");
    expect(migrateRoutePath("/a-b_c.d~e/%20")).toBe("/a-b_c.d~e/%20");
    expect(migrateRoutePath("/v[0-9]+/orders$")).toBe("~/v[0-9]+/orders$");
    expect(migrateRoutePath("/users/(?<id>\\d+)")).toBe("~/users/(?<id>\\d+)");
  });

  it("rewrites nested and top-level routes in place", () => {
    const document = {
      services: [{ routes: [{ paths: ["/a", "/b.*"] }] }],
      routes: [{ paths: ["/c$"] }, { hosts: ["x"] }],
    };
    migrateToFormat3(document);
    expect(document.services[0]!.routes[0]!.paths).toEqual(["/a", "~/b.*"]);
    expect(document.routes[0]!.paths).toEqual(["~/c$"]);
  });
});
