import { describe, expect, it } from "vitest";
import { decodeBase64LikeNginx } from "./nginx-base64.js";

describe("decodeBase64LikeNginx", () => {
  it("decodes padded and unpadded standard base64", () => {
    expect(decodeBase64LikeNginx("aGk=")?.toString()).toBe("hi");
    expect(decodeBase64LikeNginx("aGk")?.toString()).toBe("hi");
    expect(decodeBase64LikeNginx("")?.length).toBe(0);
  });

  it("ignores everything from the first `=`, as nginx does", () => {
    expect(decodeBase64LikeNginx("aGk=junk!!")?.toString()).toBe("hi");
  });

  it.each(["not really a base64 encoded value!!!", "a", "aGk-", "aG_r", "aGk =", "abcde"])("refuses %j", (text) => {
    expect(decodeBase64LikeNginx(text)).toBeUndefined();
  });
});
