import headerStamp from "./plugin.js";

export default headerStamp;
export { headerStampConfigSchema, stampKeySchema } from "./schema.js";
