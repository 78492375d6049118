// Checks on the exported site (out/), run by `npm test` after `npm run build`.
//
// They read the built HTML, not the React source: what a browser and a crawler get is what
// is checked. NEXT_PUBLIC_APP_URL / NEXT_PUBLIC_EXTENSION_ZIP_URL must be the same as at
// build time (both default the same way as lib/site.ts).
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, normalize } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

import { parse } from "parse5";

const OUT = fileURLToPath(new URL("../out", import.meta.url));
const withSlash = (url) => (url.endsWith("/") ? url : `${url}/`);
const APP_URL = withSlash(process.env.NEXT_PUBLIC_APP_URL?.trim() || "/app/");
const SIGNUP_URL = `${APP_URL}#/signup`; // web/app routes by hash
const EXTENSION_ZIP_URL =
  process.env.NEXT_PUBLIC_EXTENSION_ZIP_URL?.trim() || "/downloads/magic-mango-extension.zip";
// The only other sites the page may link to (plain links, never scripts, styles or fonts).
const EXTERNAL_LINK_HOSTS = new Set(["www.facebook.com"]);
// What the whole first view may weigh (HTML + CSS, uncompressed): a light page.
const BUDGET_BYTES = 60_000;

if (!existsSync(join(OUT, "index.html"))) {
  throw new Error(`no ${join(OUT, "index.html")}: run \`npm run build\` first`);
}

const indexHtml = readFileSync(join(OUT, "index.html"), "utf8");
const document = parse(indexHtml);

function* walk(node) {
  yield node;
  for (const child of node.childNodes ?? []) yield* walk(child);
  if (node.content) yield* walk(node.content);
}

const elements = [...walk(document)].filter((node) => node.tagName);
const attr = (node, name) => node.attrs.find((a) => a.name === name)?.value;
const byTag = (tag) => elements.filter((node) => node.tagName === tag);
const text = (node) =>
  [...walk(node)]
    .filter((n) => n.nodeName === "#text")
    .map((n) => n.value)
    .join("")
    .replace(/\s+/g, " ")
    .trim();
const meta = (key, value) =>
  byTag("meta").find((node) => attr(node, key) === value) &&
  attr(byTag("meta").find((node) => attr(node, key) === value), "content");
const ids = new Set(elements.map((node) => attr(node, "id")).filter(Boolean));

/** Does a root-relative path resolve to a file of the export, as the static server does? */
function existsInExport(pathname) {
  const target = normalize(join(OUT, decodeURIComponent(pathname)));
  if (!target.startsWith(OUT)) return false;
  const candidates = pathname.endsWith("/")
    ? [join(target, "index.html")]
    : [target, `${target}.html`, join(target, "index.html")];
  return candidates.some((path) => existsSync(path) && statSync(path).isFile());
}

describe("document", () => {
  test("has lang, title, description, viewport and charset", () => {
    const html = byTag("html")[0];
    assert.equal(attr(html, "lang"), "en");
    const title = byTag("title").filter((node) => node.parentNode?.tagName === "head");
    assert.equal(title.length, 1);
    assert.match(text(title[0]), /Magic Mango/);
    assert.ok((meta("name", "description") ?? "").length >= 70, "meta description too short");
    assert.match(meta("name", "viewport") ?? "", /width=device-width/);
    assert.ok(byTag("meta").some((node) => attr(node, "charset")?.toLowerCase() === "utf-8"));
  });

  test("has Open Graph and Twitter tags and a canonical link", () => {
    for (const property of ["og:title", "og:description", "og:url", "og:type", "og:image"]) {
      assert.ok(meta("property", property), `missing ${property}`);
    }
    assert.ok(meta("name", "twitter:card"));
    const image = new URL(meta("property", "og:image"));
    assert.ok(existsInExport(image.pathname), `og:image ${image.pathname} is not in the export`);
    assert.ok(readFileSync(join(OUT, image.pathname)).subarray(1, 4).toString() === "PNG");
    assert.ok(byTag("link").some((node) => attr(node, "rel") === "canonical"));
  });

  test("ships robots.txt and a sitemap", () => {
    const robots = readFileSync(join(OUT, "robots.txt"), "utf8");
    assert.match(robots, /User-Agent: \*/i);
    assert.match(robots, /Sitemap: https?:\/\/\S+\/sitemap\.xml/);
    const sitemap = readFileSync(join(OUT, "sitemap.xml"), "utf8");
    assert.match(sitemap, /<urlset[^>]*sitemaps\.org/);
    assert.match(sitemap, /<loc>https?:\/\/[^<]+<\/loc>/);
  });

  test("has a main landmark, a skip link to it, and unique ids", () => {
    assert.equal(byTag("main").length, 1);
    assert.equal(attr(byTag("main")[0], "id"), "main");
    assert.equal(attr(byTag("a")[0], "href"), "#main", "the first link skips to the content");
    const all = elements.map((node) => attr(node, "id")).filter(Boolean);
    assert.deepEqual(all.filter((id, i) => all.indexOf(id) !== i), [], "duplicate ids");
  });
});

describe("headings", () => {
  const headings = elements
    .filter((node) => /^h[1-6]$/.test(node.tagName))
    .map((node) => ({ level: Number(node.tagName[1]), text: text(node) }));

  test("one h1, first", () => {
    assert.equal(headings.filter((h) => h.level === 1).length, 1);
    assert.equal(headings[0]?.level, 1);
  });

  test("never skip a level going down, and none is empty", () => {
    for (let i = 1; i < headings.length; i += 1) {
      const { level, text: label } = headings[i];
      assert.ok(label.length > 0, `empty h${level}`);
      assert.ok(
        level <= headings[i - 1].level + 1,
        `h${level} "${label}" follows h${headings[i - 1].level} "${headings[i - 1].text}"`,
      );
    }
  });

  test("cover what the product does, how it works, install and questions", () => {
    const h2 = headings.filter((h) => h.level === 2).map((h) => h.text);
    for (const expected of [/what magic mango does/i, /how it works/i, /install/i, /questions|faq/i]) {
      assert.ok(h2.some((label) => expected.test(label)), `no h2 matching ${expected}: ${h2}`);
    }
  });
});

describe("links", () => {
  const links = byTag("a");

  test("every link has an href and a name", () => {
    for (const link of links) {
      const href = attr(link, "href");
      assert.ok(href && href.trim() === href, `bad href ${JSON.stringify(href)}`);
      assert.ok(text(link) || attr(link, "aria-label"), `link to ${href} has no name`);
      assert.doesNotMatch(href, /^javascript:/i);
    }
  });

  test("every link resolves", () => {
    for (const link of links) {
      const href = attr(link, "href");
      if (href.startsWith("#")) {
        assert.ok(ids.has(href.slice(1)), `fragment ${href} has no target`);
      } else if (href.startsWith(APP_URL) || href === EXTENSION_ZIP_URL) {
        // Served beside the landing page (the app, the release zip), not part of the export.
        continue;
      } else if (href.startsWith("/")) {
        const { pathname, hash } = new URL(href, "http://landing.invalid");
        assert.ok(existsInExport(pathname), `${href} is not in the export`);
        if (hash) assert.ok(ids.has(hash.slice(1)), `fragment of ${href} has no target`);
      } else {
        const url = new URL(href);
        assert.equal(url.protocol, "https:", `${href} is not https`);
        assert.ok(EXTERNAL_LINK_HOSTS.has(url.host), `unexpected external link ${href}`);
      }
    }
  });

  test("the sign-up call to action is there, in the hero and at the end", () => {
    const ctas = links.filter((link) => attr(link, "data-cta") === "signup");
    assert.ok(ctas.length >= 2, "expected a sign-up button in the hero and at the end");
    for (const cta of ctas) assert.equal(attr(cta, "href"), SIGNUP_URL);
    const hero = elements.find((node) => attr(node, "class")?.split(" ").includes("hero"));
    assert.ok(hero, "no hero section");
    assert.ok([...walk(hero)].some((node) => ctas.includes(node)), "no call to action in the hero");
  });

  test("the install section links to the extension zip and explains load unpacked", () => {
    assert.ok(links.some((link) => attr(link, "href") === EXTENSION_ZIP_URL));
    const install = elements.find((node) => attr(node, "id") === "install");
    assert.match(text(install), /Load unpacked/);
    assert.match(text(install), /chrome:\/\/extensions/);
  });
});

describe("weight and third parties", () => {
  const stylesheets = byTag("link").filter((node) => attr(node, "rel") === "stylesheet");

  test("no script at all: the Next.js runtime is stripped, the page is HTML and CSS", () => {
    assert.deepEqual(
      byTag("script").map((node) => attr(node, "src") ?? "inline"),
      [],
      "scripts found (see scripts/strip-runtime.mjs)",
    );
    const js = [];
    const visit = (dir) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) visit(path);
        else if (name.endsWith(".js")) js.push(path);
      }
    };
    visit(OUT);
    assert.deepEqual(js, []);
  });

  test("no external URL for fonts, scripts, styles or preconnects", () => {
    for (const node of byTag("link")) {
      const rel = attr(node, "rel") ?? "";
      if (["canonical", "alternate"].includes(rel)) continue;
      assert.doesNotMatch(attr(node, "href") ?? "", /^(https?:)?\/\//, `external <link rel=${rel}>`);
    }
    for (const node of [...byTag("img"), ...byTag("source"), ...byTag("iframe")]) {
      assert.doesNotMatch(attr(node, "src") ?? "", /^(https?:)?\/\//);
    }
    assert.doesNotMatch(indexHtml, /fonts\.(googleapis|gstatic)\.com|use\.typekit/);
    const sheets = [
      ...stylesheets.map((sheet) => readFileSync(join(OUT, attr(sheet, "href")), "utf8")),
      ...byTag("style").map((style) => text(style)),
    ];
    assert.ok(sheets.length > 0, "no CSS found");
    for (const css of sheets) {
      assert.doesNotMatch(css, /@font-face|@import|url\(\s*["']?(https?:)?\/\//);
    }
  });

  test("images are inline SVG with text alternatives", () => {
    assert.equal(byTag("img").length, 0, "bitmaps found; use inline SVG");
    for (const svg of byTag("svg")) {
      const hidden = attr(svg, "aria-hidden") === "true";
      const labelled = attr(svg, "role") === "img" && (attr(svg, "aria-labelledby") || attr(svg, "aria-label"));
      assert.ok(hidden || labelled, "an <svg> is neither decorative nor labelled");
    }
  });

  test(`HTML + CSS under ${BUDGET_BYTES / 1000} kB`, () => {
    let bytes = Buffer.byteLength(indexHtml);
    for (const sheet of stylesheets) bytes += statSync(join(OUT, attr(sheet, "href"))).size;
    assert.ok(bytes < BUDGET_BYTES, `${bytes} bytes`);
  });
});
