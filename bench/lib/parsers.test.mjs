// The bench's pure parts: `node --test bench/` (the bench is not part of `pnpm test`).
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { topSelfTime } from "./cpu-profile.mjs";
import { cpuShares, parseWrk } from "./load.mjs";
import { replaceSection } from "./report.mjs";

const wrkOutput = `Running 10s test @ http://127.0.0.1:8080/api/hello
  1 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms  500.00us  20.00ms   90.00%
  Latency Distribution
     50%  812.00us
     75%    1.90ms
     90%    2.50ms
     99%    1.20s
  230000 requests in 10.00s, 30.00MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 5
Requests/sec:  23000.50
Transfer/sec:      3.00MB
`;

test("parseWrk reads rps, percentiles in any unit, and errors", () => {
  assert.deepEqual(parseWrk(wrkOutput), { rps: 23000.5, p50: 0.812, p99: 1200, requests: 230000, non2xx: 5, socketErrors: 3 });
});

test("cpuShares gives busy and steal percentages per cpu", () => {
  const before = { 0: { busy: 100, idle: 100, steal: 0 } };
  const after = { 0: { busy: 175, idle: 120, steal: 5 } };
  assert.deepEqual(cpuShares(before, after), { 0: { busy: 75, steal: 5 } });
});

test("replaceSection rewrites only the text between its markers, and appends missing markers", () => {
  const directory = mkdtempSync(join(tmpdir(), "bench-report-"));
  try {
    const file = join(directory, "doc.md");
    writeFileSync(file, "intro\n<!-- bench:a:start -->\nold\n<!-- bench:a:end -->\noutro\n");
    replaceSection(file, "a", "new");
    replaceSection(file, "b", "added");
    assert.equal(readFileSync(file, "utf8"), "intro\n<!-- bench:a:start -->\nnew\n<!-- bench:a:end -->\noutro\n\n<!-- bench:b:start -->\nadded\n<!-- bench:b:end -->\n");
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("topSelfTime sums self time per function, leaves out idle and the skipped start", () => {
  const directory = mkdtempSync(join(tmpdir(), "bench-profile-"));
  try {
    const frame = (functionName, url = "", lineNumber = 0) => ({ functionName, url, lineNumber, columnNumber: 0, scriptId: "0" });
    const profile = {
      nodes: [
        { id: 1, callFrame: frame("(root)") },
        { id: 2, callFrame: frame("(idle)") },
        { id: 3, callFrame: frame("hot", "file:///x/packages/runtime/dist/a.js", 9) },
        { id: 4, callFrame: frame("cold", "node:events", 1) },
      ],
      samples: [4, 3, 3, 2, 4],
      timeDeltas: [5000, 1000, 1000, 4000, 2000],
      startTime: 0,
      endTime: 13000,
    };
    const file = join(directory, "x.cpuprofile");
    writeFileSync(file, JSON.stringify(profile));
    const summary = topSelfTime(file, { skipMilliseconds: 6 });
    assert.equal(summary.busyMilliseconds, 4);
    assert.equal(summary.idleMilliseconds, 4);
    assert.deepEqual(summary.top.map((row) => [row.name, row.location, row.share]), [
      ["hot", "packages/runtime/dist/a.js:10", 0.5],
      ["cold", "node:events:2", 0.5],
    ]);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});
