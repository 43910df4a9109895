import { defineConfig } from "vitest/config";

// Unit tests: logic only, in Node, fast. End-to-end tests have their own config.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "node",
  },
});
