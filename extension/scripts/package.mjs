// Zips dist/ into magic-mango-extension.zip for the Chrome Web Store (manifest at the
// zip's root). fflate instead of the `zip` binary, which a machine may not have.
import { zipSync } from "fflate";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = `${root}dist`;
const out = `${root}magic-mango-extension.zip`;

const files = {};
for (const entry of await readdir(dist, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const path = `${entry.parentPath ?? entry.path}/${entry.name}`;
  const name = path.slice(dist.length + 1);
  // A fixed date keeps the zip byte-identical for identical builds.
  files[name] = [await readFile(path), { mtime: new Date("2026-01-01T00:00:00Z") }];
}
if (!("manifest.json" in files)) throw new Error("dist/ has no manifest.json: run `npm run build` first");
await writeFile(out, zipSync(files, { level: 9 }));
console.log(`packaged ${out} (${Object.keys(files).length} files)`);
