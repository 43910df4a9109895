import { defineConfig } from "vitest/config";

// Browser benchmarks (not part of `make test`): a real `kontor serve`, a
// big seeded history, Chromium. Run with `npm run bench:history`.
export default defineConfig({
  test: {
    include: ["e2e/**/*.bench.e2e.ts"],
    environment: "node",
    testTimeout: 30 * 60_000,
    hookTimeout: 30 * 60_000,
    fileParallelism: false,
  },
});
