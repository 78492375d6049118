import type { NextConfig } from "next";

// A static export: `next build` writes plain HTML, CSS and the framework's small runtime
// to out/, which any static file server (the compose proxy, `mango dev`) serves at `/`.
const config: NextConfig = {
  output: "export",
  trailingSlash: false,
  poweredByHeader: false,
  reactStrictMode: true,
  images: { unoptimized: true },
};

export default config;
