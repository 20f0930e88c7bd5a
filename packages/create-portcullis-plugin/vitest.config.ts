import { packageTestConfig } from "../../vitest.shared.ts";

// The scaffold test installs a generated package with npm and runs its tests and build: minutes, not seconds.
export default packageTestConfig({ testTimeout: 240_000 });
