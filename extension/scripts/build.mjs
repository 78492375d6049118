// Builds the unpacked extension into dist/: bundles each entry point with esbuild and
// copies the manifest and the HTML pages. Content scripts cannot be ES modules, hence IIFE.
import { build } from "esbuild";
import { cp, mkdir, rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const dist = `${root}dist`;

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    capture: "src/capture.ts",
    content: "src/content/index.ts",
    background: "src/background/index.ts",
    options: "src/pages/options.ts",
    popup: "src/pages/popup.ts",
  },
  bundle: true,
  format: "iife",
  target: "chrome111",
  outdir: dist,
  legalComments: "none",
  logLevel: "warning",
});
for (const file of ["manifest.json", "options.html", "popup.html"]) {
  await cp(`${root}static/${file}`, `${dist}/${file}`);
}
console.log(`built ${dist}`);
