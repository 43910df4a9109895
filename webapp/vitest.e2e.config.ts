import { defineConfig } from "vitest/config";

// End-to-end tests: a real `kontor serve` (bin/kontor, built with the app)
// and the system's Chromium. Files run one after the other; in each, steps in order
// against one server.
export default defineConfig({
  test: {
    include: ["e2e/**/*.e2e.test.ts"],
    environment: "node",
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    // What another browser shows arrives over the network: give it time on a busy machine.
    expect: { poll: { timeout: 10_000 } },
  },
});
