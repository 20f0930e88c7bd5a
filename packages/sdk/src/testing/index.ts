export {
  type ConformanceCase,
  type ConformanceResult,
  type ConformanceScenario,
  chainConformanceCases,
} from "./conformance.js";
export {
  type ChainEntry,
  type ChainResult,
  type ConsumerFixture,
  comparePlugins,
  createHarness,
  type Harness,
  type HarnessOptions,
  type LogRecord,
  type PhaseError,
  runChain,
  runPlugin,
  type TestRequest,
  type TestUpstream,
  type TestUpstreamResponse,
  type UpstreamRequestRecord,
} from "./harness.js";
export { HeaderBag } from "./header-bag.js";
