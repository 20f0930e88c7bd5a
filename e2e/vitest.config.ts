import { packageTestConfig } from "../vitest.shared.ts";

export default packageTestConfig({ include: ["**/*.test.ts"], testTimeout: 60_000 });
