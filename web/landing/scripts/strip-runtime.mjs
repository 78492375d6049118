// After `next build`: remove Next.js's client runtime from the static export.
//
// The landing page is server components only (no "use client" anywhere, the FAQ uses
// native <details>), so the ~175 kB (gzip) of React and router JavaScript that Next.js
// adds for hydration and client-side navigation does nothing for a visitor. This step
// deletes every <script> and script preload from the exported HTML, and the files only that
// runtime used (JS chunks, the RSC payload .txt files, build manifests). The page is then
// plain HTML + one CSS file. `npm test` checks that no script is left.
//
// If a client component is ever added, set LANDING_KEEP_NEXT_RUNTIME=1 at build time (or
// drop this step from the build script).
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

import { parse, serialize } from "parse5";

const out = fileURLToPath(new URL("../out", import.meta.url));

if (process.env.LANDING_KEEP_NEXT_RUNTIME === "1") {
  console.log("strip-runtime: LANDING_KEEP_NEXT_RUNTIME=1, leaving the Next.js runtime in place");
  process.exit(0);
}

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

function isRuntimeNode(node) {
  if (node.nodeName === "script") return true;
  if (node.nodeName !== "link") return false;
  const attrs = Object.fromEntries(node.attrs.map((a) => [a.name, a.value]));
  return attrs.rel === "modulepreload" || (attrs.rel === "preload" && attrs.as === "script");
}

function strip(node) {
  let removed = 0;
  if (!node.childNodes) return removed;
  const kept = [];
  for (const child of node.childNodes) {
    if (isRuntimeNode(child)) {
      removed += 1;
    } else {
      removed += strip(child);
      kept.push(child);
    }
  }
  node.childNodes = kept;
  // <template> content lives apart from childNodes in parse5.
  if (node.content) removed += strip(node.content);
  return removed;
}

let html = 0;
let scripts = 0;
const deleted = [];
for (const path of [...files(out)]) {
  const name = relative(out, path);
  if (path.endsWith(".html")) {
    const document = parse(readFileSync(path, "utf8"));
    scripts += strip(document);
    writeFileSync(path, serialize(document));
    html += 1;
  } else if (
    (name.startsWith("_next/static/") && name.endsWith(".js")) ||
    (name.endsWith(".txt") && name !== "robots.txt")
  ) {
    rmSync(path);
    deleted.push(name);
  }
}
rmSync(join(out, "_not-found"), { recursive: true, force: true });
// Directories the deletions emptied (the build manifests' folder, say).
function pruneEmpty(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) pruneEmpty(path);
  }
  if (dir !== out && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
}
pruneEmpty(out);
console.log(
  `strip-runtime: removed ${scripts} script elements from ${html} HTML files, ` +
    `deleted ${deleted.length} runtime files`,
);
