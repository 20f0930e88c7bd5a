import { hmacAuth } from "./plugin.js";

export default hmacAuth;
export { hmacAuth };
export { contentDigest, type ContentDigestAlgorithm, kongDigest } from "./body-digest.js";
export { hmacErrors } from "./errors.js";
export { configSchema, credentialSchema, type KongAlgorithm, kongAlgorithms, type SignatureFormat } from "./schema.js";
export {
  type SignedKongRequest,
  type SignedRfc9421Request,
  type SignKongRequestOptions,
  type SignRfc9421RequestOptions,
  signKongRequest,
  signRfc9421Request,
} from "./signing.js";
