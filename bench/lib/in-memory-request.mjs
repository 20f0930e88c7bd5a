// A request through a (req, res) listener with no socket I/O: a real IncomingMessage and ServerResponse on a
// socket that discards what is written. It costs a fraction of an HTTP round trip (and of light-my-request), so
// that the few microseconds a gateway part adds are not lost in the noise of the harness.
import { IncomingMessage, ServerResponse } from "node:http";
import { Duplex } from "node:stream";

class DiscardingSocket extends Duplex {
  remoteAddress = "127.0.0.1";
  remotePort = 40000;
  remoteFamily = "IPv4";
  localAddress = "127.0.0.1";
  localPort = 8000;
  _read() {}
  _write(_chunk, _encoding, callback) {
    callback();
  }
  setTimeout() {
    return this;
  }
  setNoDelay() {
    return this;
  }
  setKeepAlive() {
    return this;
  }
}

/** Resolves with the status once the response finished, and emits `close` as node:http's server does then. */
export function inMemoryRequest(listener, { method = "GET", url = "/", headers = { host: "127.0.0.1" } } = {}) {
  const socket = new DiscardingSocket();
  const request = new IncomingMessage(socket);
  request.method = method;
  request.url = url;
  request.httpVersionMajor = 1;
  request.httpVersionMinor = 1;
  request.httpVersion = "1.1";
  const rawHeaders = [];
  for (const [name, value] of Object.entries(headers)) rawHeaders.push(name, value);
  request.rawHeaders = rawHeaders;
  request.headers = { ...headers };
  request.complete = true;
  request.push(null);
  const response = new ServerResponse(request);
  response.assignSocket(socket);
  return new Promise((resolve, reject) => {
    response.once("finish", () => {
      response.detachSocket(socket);
      response.emit("close");
      request.emit("close");
      resolve(response.statusCode);
    });
    response.once("error", reject);
    listener(request, response);
  });
}
