// nginx as the upstream (a 3-byte "ok\n" from memory) and as the native reverse proxy to compare with, each a
// single process (no master) so that taskset pins exactly what is measured.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPinned } from "./processes.mjs";

function configText(prefix, server) {
  return `daemon off;
master_process off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client-body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  keepalive_requests 1000000;
${server}
}
`;
}

export async function startNginxUpstream(workDirectory, port) {
  const prefix = join(workDirectory, "nginx-upstream");
  mkdirSync(prefix, { recursive: true });
  writeFileSync(
    join(prefix, "nginx.conf"),
    configText(prefix, `  server {\n    listen 127.0.0.1:${port};\n    location / { return 200 "ok\\n"; }\n  }`),
  );
  return startPinned(0, "nginx", ["-p", prefix, "-c", join(prefix, "nginx.conf")], { port, name: "nginx upstream" });
}

export async function startNginxProxy(workDirectory, port, upstreamPort, cpu = 1) {
  const prefix = join(workDirectory, "nginx-proxy");
  mkdirSync(prefix, { recursive: true });
  const server = `  upstream backend {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }`;
  writeFileSync(join(prefix, "nginx.conf"), configText(prefix, server));
  return startPinned(cpu, "nginx", ["-p", prefix, "-c", join(prefix, "nginx.conf")], { port, name: "nginx proxy" });
}
