/// <reference types="vitest/config" />
// The app is served under /app/ (the landing page owns /), and talks to the Backend API
// on the same origin under /api unless VITE_API_BASE says otherwise at build time.
// `npm run dev` proxies /api to a Backend API on :8082 (MANGO_BACKEND_API_URL overrides).
import { defineConfig } from "vite";

const backend = process.env.MANGO_BACKEND_API_URL ?? "http://127.0.0.1:8082";

export default defineConfig({
  base: "/app/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    target: "es2022",
  },
  server: {
    proxy: {
      "/api": { target: backend, rewrite: (path) => path.replace(/^\/api/, "") },
    },
  },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.ts"],
  },
});
