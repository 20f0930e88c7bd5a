import type { AccessContext } from "@portcullis/sdk";

export type LimitBy = "consumer" | "credential" | "ip" | "service" | "header" | "path";

/** What the identifier reads of a request: the access context, narrowed for testing. */
export type IdentifierSource = Pick<AccessContext, "consumer" | "credential" | "service" | "request">;

export type Identify = (ctx: IdentifierSource) => string;

/**
 * Kong's `get_identifier`, chosen once at load: every choice falls back to the client IP when its value is missing.
 * `header_name` is lower-cased here so that the per-request lookup needs no case folding.
 */
export function identifierFor(limitBy: LimitBy, headerName: string | undefined, path: string | undefined): Identify {
  switch (limitBy) {
    case "consumer":
      return (ctx) => ctx.consumer?.id ?? ctx.credential?.id ?? ctx.request.clientIp;
    case "credential":
      return (ctx) => ctx.credential?.id ?? ctx.request.clientIp;
    case "service":
      return (ctx) => ctx.service?.id ?? ctx.request.clientIp;
    case "header": {
      const name = (headerName ?? "").toLowerCase();
      return (ctx) => {
        const value = ctx.request.headers[name];
        const first = typeof value === "string" ? value : value?.[0];
        return first === undefined || first === "" ? ctx.request.clientIp : first;
      };
    }
    case "path":
      return (ctx) => (path !== undefined && ctx.request.path === path ? path : ctx.request.clientIp);
    default:
      return (ctx) => ctx.request.clientIp;
  }
}
