import type { NextConfig } from "next";

// A static export: `next build` writes plain HTML, CSS and the framework's small runtime
// to out/, which any static file server (the compose proxy, `mango dev`) serves at `/`.
const config: NextConfig = {
  output: "export",
  trailingSlash: false,
  poweredByHeader: false,
  reactStrictMode: true,
  images: { unoptimized: true },
  // The stylesheet (~6 kB) goes inline in <head>: no render-blocking request before the
  // first paint.
  experimental: { inlineCss: true },
};

export default config;
