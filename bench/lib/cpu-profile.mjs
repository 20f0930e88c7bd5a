// The top self-time functions of a V8 .cpuprofile (what `node --cpu-prof` writes).
import { readFileSync } from "node:fs";

/**
 * Self time per function (name, file, line), as a share of the non-idle samples, highest first. Samples in the
 * first `skipMilliseconds` (start-up and warm-up) are left out.
 */
export function topSelfTime(profilePath, { count = 15, skipMilliseconds = 0 } = {}) {
  const profile = JSON.parse(readFileSync(profilePath, "utf8"));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfByNode = new Map();
  let elapsed = 0;
  for (let index = 0; index < profile.samples.length; index++) {
    elapsed += profile.timeDeltas[index] ?? 0;
    if (elapsed < skipMilliseconds * 1000) continue;
    const id = profile.samples[index];
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  }
  const byFunction = new Map();
  let busy = 0;
  let idle = 0;
  for (const [id, micros] of selfByNode) {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    if (functionName === "(idle)") {
      idle += micros;
      continue;
    }
    busy += micros;
    const file = url === "" ? "" : url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\/\.pnpm\/[^/]+\/node_modules\//, "").replace(/^.*\/packages\//, "packages/");
    const key = `${functionName || "(anonymous)"}\u0000${file}\u0000${lineNumber}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  }
  const rows = [...byFunction]
    .map(([key, micros]) => {
      const [name, file, line] = key.split("\u0000");
      return { name, location: file === "" ? "" : `${file}:${Number(line) + 1}`, milliseconds: micros / 1000, share: micros / busy };
    })
    .sort((left, right) => right.milliseconds - left.milliseconds);
  return { top: rows.slice(0, count), busyMilliseconds: busy / 1000, idleMilliseconds: idle / 1000 };
}
