// The embedded case: an Express app that answers itself, bare or behind `gateway.middleware()` with a
// plugins-only config (given with --config), so that the difference is the middleware's own cost.
import { createServer } from "node:http";
import { importFromRuntime, importWorkspace } from "../lib/setup.mjs";
import { announce, exitOnSignal, targetArguments } from "./target-arguments.mjs";

const { default: express } = await importFromRuntime("express");
const { host, port, config } = targetArguments();
const app = express();
let gateway;
if (config !== undefined) {
  const { createGateway } = await importWorkspace("packages/runtime/dist/index.js");
  gateway = await createGateway({ config, logger: false, accessLog: false });
  app.use(gateway.middleware());
}
app.get("/api/hello", (_request, response) => {
  response.type("text/plain").send("ok\n");
});
const server = createServer(app);
server.keepAliveTimeout = 65_000;
server.listen(port, host, () => announce({ host, port }));
exitOnSignal(() => gateway?.close({ timeout: 1000 }));
