import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 10_000,
    // jsdom tests rewrite import.meta.url; tests find their data through this instead.
    env: { EXTENSION_TEST_DATA: fileURLToPath(new URL("./test/data/", import.meta.url)) },
  },
});
