// The micro-benchmark loop of perf-anchors.md: a warm-up, then the median of 5 samples of ~400 ms each.
import { performance } from "node:perf_hooks";

const now = () => performance.now();

async function sampleAsync(operation, durationMs, concurrency) {
  let operations = 0;
  const deadline = now() + durationMs;
  const started = now();
  const worker = async () => {
    while (now() < deadline) {
      await operation();
      operations++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return operations / ((now() - started) / 1000);
}

function sampleSync(operation, durationMs) {
  let operations = 0;
  const deadline = now() + durationMs;
  const started = now();
  while (now() < deadline) {
    // Batches keep the clock reads out of the measurement.
    for (let index = 0; index < 64; index++) operation();
    operations += 64;
  }
  return operations / ((now() - started) / 1000);
}

/** ops/s as the median of `samples` runs; `operation` may return a promise, which is awaited every time. */
export async function measureOperation(operation, { warmupMs = 300, sampleMs = 400, samples = 5, concurrency = 1 } = {}) {
  const probe = operation();
  const isAsync = probe instanceof Promise;
  // Awaited, so that a failing operation fails here rather than as an unhandled rejection later.
  if (isAsync) await probe;
  const run = (durationMs) => (isAsync ? sampleAsync(operation, durationMs, concurrency) : Promise.resolve(sampleSync(operation, durationMs)));
  await run(warmupMs);
  const results = [];
  for (let index = 0; index < samples; index++) results.push(await run(sampleMs));
  results.sort((left, right) => left - right);
  const median = results[Math.floor(results.length / 2)];
  return { opsPerSecond: median, microsecondsPerOperation: 1e6 / median, min: results[0], max: results.at(-1) };
}

/**
 * Two operations measured in alternation (a, b, a, b, …) so that drift on a noisy machine hits both alike.
 * Returns each one's median and the median of the per-pair differences in µs/op (b minus a).
 */
export async function measurePair(baseline, variant, { warmupMs = 300, sampleMs = 400, samples = 5 } = {}) {
  const options = { warmupMs: 0, sampleMs, samples: 1 };
  await measureOperation(baseline, { ...options, sampleMs: warmupMs });
  await measureOperation(variant, { ...options, sampleMs: warmupMs });
  const baselines = [];
  const variants = [];
  const differences = [];
  for (let index = 0; index < samples; index++) {
    const first = await measureOperation(baseline, options);
    const second = await measureOperation(variant, options);
    baselines.push(first.opsPerSecond);
    variants.push(second.opsPerSecond);
    differences.push(second.microsecondsPerOperation - first.microsecondsPerOperation);
  }
  const median = (values) => [...values].sort((left, right) => left - right)[Math.floor(values.length / 2)];
  const summary = (values) => {
    const opsPerSecond = median(values);
    return { opsPerSecond, microsecondsPerOperation: 1e6 / opsPerSecond, min: Math.min(...values), max: Math.max(...values) };
  };
  return { baseline: summary(baselines), variant: summary(variants), differenceMicroseconds: median(differences) };
}
