/**
 * The one module that knows Meta's Ads Library shapes.
 *
 * Meta changes its page without notice; everything that depends on the shape of its
 * GraphQL responses and embedded JSON lives here, is tested against recorded fixtures
 * (`test/data/`), and turns those shapes into the Ads API's `Creative` payload. The
 * rest of the extension never reads a Meta field name.
 *
 * Everything here is defensive: inputs are `unknown`, and a missing or odd field
 * becomes null rather than an exception, so one strange ad cannot stop a whole page.
 */

import { LIBRARY_ID_PATTERN, SOURCE } from "./payload";
import type { Card, Creative, Media, PageRef } from "./payload";

type Obj = Record<string, unknown>;

/** Key of the object that holds one search's results, in both GraphQL and SSR data. */
export const CONNECTION_KEY = "search_results_connection";

/** Anti-JSON-hijacking prefix Meta may put before a JSON body. */
const GUARD = /^\s*for\s*\(\s*;\s*;\s*\)\s*;/;

/** A DPA/DCO template placeholder such as `{{product.name}}`. */
const TEMPLATE = /\{\{\s*[\w.]+\s*\}\}/;

/** Hosts of Facebook's outbound link redirector (`l.facebook.com/l.php?u=...`). */
const REDIRECT_HOSTS = new Set(["l.facebook.com", "lm.facebook.com", "l.instagram.com"]);

/** Where a creative was seen; stamped on every creative built from one capture. */
export interface CaptureContext {
  pageUrl: string | null;
  capturedAt: number;
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** A string with content, or null: Meta uses "", " " and null interchangeably. */
function text(v: unknown): string | null {
  if (isObj(v)) return text(v["text"]); // `snapshot.body` is `{text: ...}`
  if (typeof v !== "string") return null;
  return v.trim() === "" ? null : v;
}

/** An id as a string: Meta sends ids as strings, but be lenient about numbers. */
function id(v: unknown): string | null {
  if (typeof v === "string" && v !== "") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return String(v);
  return null;
}

function int(v: unknown): number | null {
  if (typeof v === "number" && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
  return null;
}

function bool(v: unknown): boolean | null {
  return typeof v === "boolean" ? v : null;
}

/** An absolute http(s) URL, or null: the server must never be handed `data:` or `blob:`. */
export function httpUrl(v: unknown): string | null {
  if (typeof v !== "string" || v === "") return null;
  try {
    const url = new URL(v);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Unwraps an `l.facebook.com/l.php?u=<target>` redirect to its target, keeping the
 * target's own query string (UTM parameters are what marketers want to see).
 */
export function unwrapRedirect(v: unknown): string | null {
  const url = httpUrl(v);
  if (url === null) return null;
  const parsed = new URL(url);
  if (!REDIRECT_HOSTS.has(parsed.hostname)) return url;
  const target = httpUrl(parsed.searchParams.get("u"));
  return target ?? url;
}

export function hasTemplate(v: string | null): boolean {
  return v !== null && TEMPLATE.test(v);
}

/** Strips the `for (;;);` guard Meta may put in front of a JSON response. */
export function stripGuard(body: string): string {
  return body.replace(GUARD, "");
}

/**
 * Parses a GraphQL response body into JSON documents. A body can hold the guard and
 * several JSON documents, one per line (Relay streams deferred parts that way).
 * Unparseable parts are skipped: the caller only wants the ones holding ads.
 */
export function parseResponseText(body: string): unknown[] {
  const stripped = stripGuard(body).trim();
  if (stripped === "") return [];
  try {
    return [JSON.parse(stripped)];
  } catch {
    const docs: unknown[] = [];
    for (const line of stripped.split("\n")) {
      const part = stripGuard(line).trim();
      if (part === "") continue;
      try {
        docs.push(JSON.parse(part));
      } catch {
        // Not JSON: some other streamed chunk. Nothing we need.
      }
    }
    return docs;
  }
}

/**
 * Finds every object held under `search_results_connection`, searching by shape with
 * a depth limit instead of following a fixed path (the SSR path is ~14 levels deep
 * and its indices change). Does not descend into a connection once found.
 */
export function findConnections(root: unknown, maxDepth = 32): Obj[] {
  const found: Obj[] = [];
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [unknown, number];
    if (depth > maxDepth || typeof node !== "object" || node === null) continue;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push([node[i], depth + 1]);
      continue;
    }
    const conn = (node as Obj)[CONNECTION_KEY];
    if (isObj(conn) && Array.isArray(conn["edges"])) {
      found.push(conn);
      continue;
    }
    const values = Object.values(node);
    for (let i = values.length - 1; i >= 0; i--) stack.push([values[i], depth + 1]);
  }
  return found;
}

/** The raw ad objects of one connection: `edges[].node.collated_results[]`. */
export function rawAds(connection: Obj): Obj[] {
  const ads: Obj[] = [];
  for (const edge of arr(connection["edges"])) {
    if (!isObj(edge) || !isObj(edge["node"])) continue;
    for (const ad of arr(edge["node"]["collated_results"])) {
      if (isObj(ad)) ads.push(ad);
    }
  }
  return ads;
}

function pageFrom(src: Obj, idValue: unknown, nameValue: unknown): PageRef {
  return {
    id: id(idValue ?? src["page_id"]),
    name: text(nameValue ?? src["page_name"]),
    profile_uri: httpUrl(src["page_profile_uri"]),
    profile_picture_url: httpUrl(src["page_profile_picture_url"]),
    like_count: int(src["page_like_count"]),
  };
}

/**
 * Pages of an ad. Branded content: the ad's `page_*` is the paying brand (detailed in
 * `snapshot.branded_content`), the snapshot's `page_*` is the creator who posted it.
 */
function pages(ad: Obj, snap: Obj): { page: PageRef; creator: PageRef | null; branded: boolean } {
  const brand = isObj(snap["branded_content"]) ? snap["branded_content"] : null;
  const adPageId = id(ad["page_id"]);
  const snapPageId = id(snap["page_id"]);
  const differs = adPageId !== null && snapPageId !== null && adPageId !== snapPageId;
  if (brand === null && !differs) {
    return { page: pageFrom(snap, ad["page_id"], ad["page_name"]), creator: null, branded: false };
  }
  const page = pageFrom(brand ?? {}, ad["page_id"], ad["page_name"]);
  const creator = pageFrom(snap, snap["page_id"], snap["page_name"]);
  const sameAsPayer = creator.id !== null && creator.id === page.id;
  return { page, creator: sameAsPayer ? null : creator, branded: true };
}

function card(raw: Obj): Card {
  return {
    body: text(raw["body"]),
    title: text(raw["title"]),
    caption: text(raw["caption"]),
    link_url: unwrapRedirect(raw["link_url"]),
    link_description: text(raw["link_description"]),
    cta_text: text(raw["cta_text"]),
    cta_type: text(raw["cta_type"]),
    image_url:
      httpUrl(raw["original_image_url"]) ??
      httpUrl(raw["resized_image_url"]) ??
      httpUrl(raw["watermarked_resized_image_url"]),
    video_hd_url: httpUrl(raw["video_hd_url"]) ?? httpUrl(raw["watermarked_video_hd_url"]),
    video_sd_url: httpUrl(raw["video_sd_url"]) ?? httpUrl(raw["watermarked_video_sd_url"]),
    video_preview_url: httpUrl(raw["video_preview_image_url"]),
  };
}

/** Collects assets, deduplicated by every URL already used (DCO cards repeat images). */
class MediaList {
  readonly items: Media[] = [];
  private readonly seen = new Set<string>();

  addVideo(hd: string | null, sd: string | null, poster: string | null, cardIndex: number | null): void {
    const url = hd ?? sd; // HD first, SD when Meta only has SD
    if (url === null || this.seen.has(url)) return;
    const fallback = hd !== null && sd !== null && sd !== hd ? sd : null;
    this.items.push({ kind: "video", url, fallback_url: fallback, poster_url: poster, card_index: cardIndex });
    for (const u of [url, fallback, poster]) if (u !== null) this.seen.add(u);
  }

  addImage(url: string | null, fallback: string | null, cardIndex: number | null): void {
    if (url === null || this.seen.has(url)) return;
    const fb = fallback !== null && fallback !== url ? fallback : null;
    this.items.push({ kind: "image", url, fallback_url: fb, poster_url: null, card_index: cardIndex });
    this.seen.add(url);
    if (fb !== null) this.seen.add(fb);
  }
}

function media(snap: Obj, cards: Card[], rawCards: Obj[]): Media[] {
  const list = new MediaList();
  const videos = [...arr(snap["videos"]), ...arr(snap["extra_videos"])].filter(isObj);
  const images = [...arr(snap["images"]), ...arr(snap["extra_images"])].filter(isObj);
  // Videos first, so that their posters are known before images are considered:
  // a poster is stored with its video, never as a second asset.
  for (const v of videos) {
    list.addVideo(
      httpUrl(v["video_hd_url"]) ?? httpUrl(v["watermarked_video_hd_url"]),
      httpUrl(v["video_sd_url"]) ?? httpUrl(v["watermarked_video_sd_url"]),
      httpUrl(v["video_preview_image_url"]),
      null,
    );
  }
  cards.forEach((c, i) => {
    if (c.video_hd_url !== null || c.video_sd_url !== null) {
      // The card's image, when it has one, is the video's poster.
      list.addVideo(c.video_hd_url, c.video_sd_url, c.video_preview_url ?? c.image_url, i);
    }
  });
  for (const img of images) {
    list.addImage(
      httpUrl(img["original_image_url"]) ?? httpUrl(img["resized_image_url"]),
      httpUrl(img["resized_image_url"]),
      null,
    );
  }
  cards.forEach((c, i) => {
    if (c.video_hd_url !== null || c.video_sd_url !== null) return;
    const raw = rawCards[i] ?? {};
    list.addImage(c.image_url, httpUrl(raw["resized_image_url"]), i);
  });
  return list.items;
}

/**
 * Turns one raw ad (`collated_results[]` item) into a Creative, or null when it has no
 * valid Library ID (then it cannot be anchored nor deduplicated, so it is not saved).
 */
export function normalizeAd(ad: Obj, ctx: CaptureContext): Creative | null {
  const libraryId = id(ad["ad_archive_id"]);
  if (libraryId === null || !LIBRARY_ID_PATTERN.test(libraryId)) return null;
  const snap = isObj(ad["snapshot"]) ? ad["snapshot"] : {};
  const rawCards = arr(snap["cards"]).filter(isObj);
  const cards = rawCards.map(card);
  const { page, creator, branded } = pages(ad, snap);
  const top = {
    body: text(snap["body"]),
    title: text(snap["title"]),
    caption: text(snap["caption"]),
    link_url: unwrapRedirect(snap["link_url"]),
    link_description: text(snap["link_description"]),
    cta_text: text(snap["cta_text"]),
    cta_type: text(snap["cta_type"]),
  };
  const texts = [
    top.body, top.title, top.caption, top.link_description, top.cta_text,
    ...cards.flatMap((c) => [c.body, c.title, c.caption, c.link_description, c.cta_text]),
  ];
  return {
    source: SOURCE,
    library_id: libraryId,
    collation_id: id(ad["collation_id"]),
    collation_count: int(ad["collation_count"]),
    is_active: bool(ad["is_active"]),
    page,
    creator_page: creator,
    branded_content: branded,
    display_format: text(snap["display_format"]),
    platforms: arr(ad["publisher_platform"]).filter((p): p is string => typeof p === "string"),
    start_date: int(ad["start_date"]),
    end_date: int(ad["end_date"]),
    total_active_time: int(ad["total_active_time"]),
    ...top,
    has_templates: texts.some(hasTemplate),
    cards,
    media: media(snap, cards, rawCards),
    page_url: ctx.pageUrl,
    captured_at: ctx.capturedAt,
    board_id: null,
  };
}

/** Every creative found anywhere in a parsed document (GraphQL response or SSR JSON). */
export function creativesFromDocument(doc: unknown, ctx: CaptureContext): Creative[] {
  const out: Creative[] = [];
  for (const conn of findConnections(doc)) {
    for (const ad of rawAds(conn)) {
      const creative = normalizeAd(ad, ctx);
      if (creative !== null) out.push(creative);
    }
  }
  return out;
}

/** Every creative in a GraphQL response body (guard and multi-document bodies handled). */
export function creativesFromResponseText(body: string, ctx: CaptureContext): Creative[] {
  // Cheap check first: most GraphQL responses on the page are unrelated (menus, logging).
  if (!body.includes(CONNECTION_KEY)) return [];
  return parseResponseText(body).flatMap((doc) => creativesFromDocument(doc, ctx));
}
