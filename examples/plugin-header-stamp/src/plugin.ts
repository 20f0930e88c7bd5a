import { type Consumer, type Credential, definePlugin, setConsumerHeaders } from "@portcullis/sdk";
import { headerStampConfigSchema, stampKeySchema } from "./schema.js";

/** What access leaves for the later phases of the same request, in `ctx.state` (private to this instance). */
interface StampState {
  stamped?: boolean;
}

export default definePlugin({
  name: "header-stamp",
  version: "0.1.0",
  // After the bundled auth plugins (1000..1450) and rate limiting (910): it sees their consumer.
  priority: 800,
  configSchema: headerStampConfigSchema,
  credentials: { stamp_keys: { schema: stampKeySchema, identifier: "key" } },
  create(config, setup) {
    // Load time: index the credentials once. A request looks its key up in memory, with no network call.
    const consumersByKey = new Map<string, { consumer: Consumer; credential: Credential }>();
    for (const credential of setup.credentials.stamp_keys ?? []) {
      const consumer = setup.findConsumer(credential.consumerId);
      if (consumer !== undefined) consumersByKey.set(String(credential.key), { consumer, credential });
    }
    const footer = config.footer === null ? undefined : Buffer.from(`\n${config.footer}\n`);

    return {
      access(ctx) {
        const key = ctx.request.header("x-stamp-key");
        const match = key === undefined ? undefined : consumersByKey.get(key);
        if (match !== undefined) {
          ctx.authenticate(match.consumer, match.credential);
          setConsumerHeaders(ctx.upstream, match.consumer, key);
        } else if (config.require_key) {
          // A short-circuit: later access handlers and the upstream are skipped; headerFilter and log still run.
          return ctx.error(401, "A valid x-stamp-key is required");
        }
        ctx.upstream.setHeader(config.header, config.value);
        (ctx.state as StampState).stamped = true;
      },

      headerFilter(ctx) {
        // Every response passes here: the upstream's, an exit (ours or another plugin's), an error, a 404.
        ctx.response.setHeader(config.header, `${config.value}; source=${ctx.response.source}`);
      },

      ...(footer === undefined
        ? {}
        : {
            // Only defined when a footer is configured: a chain without body filters keeps content-length and
            // passes the body through untouched; a chain with one streams it chunk by chunk.
            bodyFilter(ctx, chunk, eof) {
              if (!isText(ctx.response.header("content-type"))) return undefined;
              return eof ? Buffer.concat([chunk, footer]) : undefined;
            },
          }),

      log(ctx) {
        ctx.log.info("stamped", {
          status: ctx.response.status,
          consumer: ctx.consumer?.username,
          stampedUpstream: (ctx.state as StampState).stamped === true,
          totalMs: ctx.timings.total,
        });
      },
    };
  },
});

function isText(contentType: string | undefined): boolean {
  return contentType?.startsWith("text/") === true;
}
