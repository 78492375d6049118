// A tiny static file server for the exported site (out/), for Lighthouse and the tests.
//
//   node scripts/serve.mjs [--port 0] [--dir out]   # prints the URL on stdout
//
// Loopback only. Serves `/x` from x.html or x/index.html like any static host would,
// answers unknown paths with 404.html and status 404, gzips text, and gives the hashed
// files under /_next/static/ a year-long immutable cache lifetime.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { createGzip } from "node:zlib";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webmanifest": "application/manifest+json",
  ".zip": "application/zip",
};
const COMPRESSIBLE = new Set([".html", ".css", ".js", ".json", ".txt", ".xml", ".svg"]);

function isFile(path) {
  return existsSync(path) && statSync(path).isFile();
}

/** Map a URL path to a file under root, or null. Never leaves root. */
function resolveFile(root, pathname) {
  let decoded;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const target = normalize(join(root, decoded));
  if (target !== root && !target.startsWith(root + sep)) return null;
  const candidates = decoded.endsWith("/")
    ? [join(target, "index.html")]
    : [target, `${target}.html`, join(target, "index.html")];
  return candidates.find(isFile) ?? null;
}

/** Start serving `dir` on 127.0.0.1; resolve to { server, url } once listening. */
export function serve(dir, { port = 0, host = "127.0.0.1" } = {}) {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    const { pathname } = new URL(req.url ?? "/", "http://localhost");
    let file = resolveFile(root, pathname);
    let status = 200;
    if (!file) {
      status = 404;
      file = isFile(join(root, "404.html")) ? join(root, "404.html") : null;
      if (!file) {
        res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
        return;
      }
    }
    const ext = extname(file);
    const headers = {
      "Content-Type": TYPES[ext] ?? "application/octet-stream",
      "Cache-Control": pathname.startsWith("/_next/static/")
        ? "public, max-age=31536000, immutable"
        : "no-cache",
      "X-Content-Type-Options": "nosniff",
    };
    const gzip = COMPRESSIBLE.has(ext) && /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
    if (gzip) {
      headers["Content-Encoding"] = "gzip";
      headers.Vary = "Accept-Encoding";
    } else {
      headers["Content-Length"] = statSync(file).size;
    }
    res.writeHead(status, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    (gzip ? stream.pipe(createGzip()) : stream).pipe(res);
  });
  return new Promise((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolvePromise({ server, url: `http://${host}:${address.port}/` });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const index = args.indexOf(name);
    return index >= 0 && args[index + 1] !== undefined ? args[index + 1] : fallback;
  };
  const here = fileURLToPath(new URL("..", import.meta.url));
  const { url } = await serve(option("--dir", join(here, "out")), {
    port: Number(option("--port", "0")),
  });
  console.log(url);
}
