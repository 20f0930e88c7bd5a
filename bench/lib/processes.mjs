// Child processes of the bench: pinned with taskset, awaited on their port, sampled for memory, stopped by pid.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { setTimeout as delay } from "node:timers/promises";

const children = new Set();

/** Every child is stopped when the bench exits, however it exits. */
function stopAllSync() {
  for (const child of children) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}
process.once("exit", stopAllSync);
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    stopAllSync();
    process.exit(130);
  });
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function portAccepts(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts `command` pinned to `cpu` (taskset execs it, so the pid is the program's own) and waits until `port`
 * accepts connections. Output is kept in memory for the error message if it never does.
 */
export async function startPinned(cpu, command, args, { port, env, name = command, timeoutMs = 20_000 } = {}) {
  const child = spawn("taskset", ["-c", String(cpu), command, ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...env },
  });
  children.add(child);
  let output = "";
  const keep = (chunk) => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  let exited = false;
  child.once("exit", () => {
    exited = true;
    children.delete(child);
  });
  const deadline = Date.now() + timeoutMs;
  while (port !== undefined && !(await portAccepts(port))) {
    if (exited || Date.now() > deadline) {
      await stopProcess(child);
      throw new Error(`${name} did not start listening on ${port}:\n${output}`);
    }
    await delay(50);
  }
  return { child, pid: child.pid, name, output: () => output };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(processOrHandle, graceMs = 5000) {
  const child = processOrHandle.child ?? processOrHandle;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await gone;
  clearTimeout(timer);
}

/** VmRSS and VmHWM (peak RSS) of a process in MiB, from /proc/<pid>/status. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const field = (name) => {
      const match = new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status);
      return match === null ? undefined : Number(match[1]) / 1024;
    };
    return { rssMiB: field("VmRSS"), peakMiB: field("VmHWM") };
  } catch {
    return { rssMiB: undefined, peakMiB: undefined };
  }
}

/** Samples VmRSS every `intervalMs` until stopped; VmHWM is read at the end as the kernel's own peak. */
export function sampleMemory(pid, intervalMs = 1000) {
  const samples = [];
  const take = () => {
    const { rssMiB } = memoryOf(pid);
    if (rssMiB !== undefined) samples.push(rssMiB);
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    samples,
    stop() {
      clearInterval(timer);
      take();
      const { peakMiB } = memoryOf(pid);
      return { samples, startMiB: samples[0], endMiB: samples.at(-1), peakMiB: peakMiB ?? Math.max(...samples) };
    },
  };
}
