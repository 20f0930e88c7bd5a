import { describe, expect, it } from "vitest";
import { algorithms, isSupportedAlgorithm, isSymmetric, requiresPublicKey } from "./algorithms.js";

describe("algorithms", () => {
  it("lists exactly Kong's thirteen algorithms", () => {
    expect(algorithms).toHaveLength(13);
    expect(algorithms).toContain("EdDSA");
  });

  it("compares alg case-sensitively and never accepts none", () => {
    expect(isSupportedAlgorithm("HS256")).toBe(true);
    for (const value of ["none", "None", "hs256", "Hs256", "eddsa", "", 256, null, undefined, ["HS256"]]) {
      expect(isSupportedAlgorithm(value)).toBe(false);
    }
  });

  it("follows Kong's entity check: RS, PS and EdDSA need a key; ES does not", () => {
    expect(algorithms.filter(requiresPublicKey)).toEqual(["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"]);
    expect(algorithms.filter(isSymmetric)).toEqual(["HS256", "HS384", "HS512"]);
  });
});
