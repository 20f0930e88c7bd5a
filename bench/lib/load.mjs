// wrk runs and /proc/stat deltas: the measuring half of the method in perf-anchors.md.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";

export function cpuTimes() {
  const lines = readFileSync("/proc/stat", "utf8").split("\n");
  const cpus = {};
  for (const line of lines) {
    const match = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (match === null) continue;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2].split(/\s+/).map(Number);
    cpus[match[1]] = { busy: user + nice + system + irq + softirq, idle: idle + iowait, steal };
  }
  return cpus;
}

/** Busy and steal share of each cpu between two cpuTimes() readings, in percent. */
export function cpuShares(before, after) {
  const shares = {};
  for (const cpu of Object.keys(after)) {
    const busy = after[cpu].busy - before[cpu].busy;
    const idle = after[cpu].idle - before[cpu].idle;
    const steal = after[cpu].steal - before[cpu].steal;
    const total = busy + idle + steal;
    shares[cpu] = { busy: total === 0 ? 0 : (100 * busy) / total, steal: total === 0 ? 0 : (100 * steal) / total };
  }
  return shares;
}

function toMilliseconds(value, unit) {
  const number = Number(value);
  return unit === "us" ? number / 1000 : unit === "s" ? number * 1000 : unit === "m" ? number * 60_000 : number;
}

/** Reads wrk's `--latency` output: requests/s, p50, p99 (ms), non-2xx responses and socket errors. */
export function parseWrk(output) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const percentile = (label) => {
    const match = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, "m").exec(output);
    return match === null ? undefined : toMilliseconds(match[1], match[2]);
  };
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const requests = /(\d+) requests in/.exec(output);
  return {
    rps: rps === null ? 0 : Number(rps[1]),
    p50: percentile("50"),
    p99: percentile("99"),
    requests: requests === null ? 0 : Number(requests[1]),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    socketErrors: socket === null ? 0 : socket.slice(1).map(Number).reduce((sum, value) => sum + value, 0),
  };
}

/** wrk pinned to `cpu`, keep-alive, 1 thread and 50 connections as in perf-anchors.md. */
export function runWrk({ url, seconds, headers = [], cpu = 0, connections = 50 }) {
  const args = ["-c", String(cpu), "wrk", "-t1", `-c${connections}`, `-d${seconds}s`, "--latency"];
  for (const header of headers) args.push("-H", header);
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile("taskset", args, { timeout: (seconds + 15) * 1000 }, (error, stdout, stderr) => {
      if (error !== null) reject(new Error(`wrk failed: ${error.message}\n${stderr}`));
      else resolve({ ...parseWrk(stdout), output: stdout });
    });
  });
}

/** One measured run: warm-up (discarded), then the measured wrk with /proc/stat deltas around it. */
export async function measure({ url, headers, warmupSeconds, seconds }) {
  if (warmupSeconds > 0) await runWrk({ url, headers, seconds: warmupSeconds });
  const before = cpuTimes();
  const result = await runWrk({ url, headers, seconds });
  const shares = cpuShares(before, cpuTimes());
  return { ...result, cpu: shares };
}
