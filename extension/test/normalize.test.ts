import { describe, expect, it } from "vitest";
import {
  creativesFromDocument,
  creativesFromResponseText,
  findConnections,
  parseResponseText,
  stripGuard,
  unwrapRedirect,
} from "../src/normalize";
import type { Creative } from "../src/payload";
import { CTX, dataJson, dataText } from "./helpers";

const CREATIVE_KEYS = [
  "source", "library_id", "collation_id", "collation_count", "is_active", "page", "creator_page",
  "branded_content", "display_format", "platforms", "start_date", "end_date", "total_active_time",
  "body", "title", "caption", "link_url", "link_description", "cta_text", "cta_type",
  "has_templates", "cards", "media", "page_url", "captured_at", "board_id",
].sort();

function byId(creatives: Creative[]): Map<string, Creative> {
  return new Map(creatives.map((c) => [c.library_id, c]));
}

function allUrls(c: Creative): string[] {
  return c.media.flatMap((m) => [m.url, m.fallback_url, m.poster_url]).filter((u): u is string => u !== null);
}

describe("recorded GraphQL search page", () => {
  const creatives = creativesFromResponseText(dataText("graphql-search-page.json"), CTX);

  it("finds all 9 ads with every contract key present", () => {
    expect(creatives).toHaveLength(9);
    for (const c of creatives) {
      expect(Object.keys(c).sort()).toEqual(CREATIVE_KEYS);
      expect(c.library_id).toMatch(/^\d{15,17}$/);
      expect(c.source).toBe("facebook_ads_library");
      expect(c.page_url).toBe(CTX.pageUrl);
      expect(c.captured_at).toBe(CTX.capturedAt);
    }
  });

  it("takes media and texts of carousels and DCO ads from their cards", () => {
    const carousel = byId(creatives).get("1070910805218818")!;
    expect(carousel.display_format).toBe("CAROUSEL");
    expect(carousel.cards).toHaveLength(10);
    expect(carousel.media.length).toBeGreaterThan(0);
    expect(carousel.media.every((m) => m.kind === "image" && m.card_index !== null)).toBe(true);
    expect(carousel.body).toContain("EBITDA");
    expect(carousel.platforms).toEqual(["INSTAGRAM"]);
    // " " (a lone space) is Meta's empty text.
    expect(carousel.cards[0]!.body).toBeNull();
  });

  it("keeps a video's HD URL, SD as fallback and the preview as poster only", () => {
    const video = byId(creatives).get("848713757763544")!;
    expect(video.media).toHaveLength(1);
    const [m] = video.media;
    expect(m!.kind).toBe("video");
    expect(m!.url).toContain("video");
    expect(m!.fallback_url).not.toBeNull();
    expect(m!.poster_url).not.toBeNull();
  });

  it("flags template texts and keeps them", () => {
    const templated = creatives.filter((c) => c.has_templates);
    expect(templated.length).toBeGreaterThan(0);
    for (const c of templated) {
      const texts = JSON.stringify([c.body, c.title, c.cards.map((k) => [k.body, k.title, k.link_description])]);
      expect(texts).toMatch(/\{\{product\.\w+\}\}/);
    }
  });

  it("has no duplicate media URLs", () => {
    for (const c of creatives) expect(new Set(allUrls(c)).size).toBe(allUrls(c).length);
  });
});

describe("recorded first page (embedded JSON)", () => {
  const doc = dataJson("ssr-first-page.json");
  const creatives = creativesFromDocument(doc, CTX);
  const ads = byId(creatives);

  it("finds the connection deep in the SSR by shape", () => {
    expect(findConnections(doc)).toHaveLength(1);
    expect(creatives).toHaveLength(30);
  });

  it("does not find it beyond the depth limit", () => {
    expect(findConnections(doc, 5)).toHaveLength(0);
  });

  it("keeps collation_count only on the first ad of a group", () => {
    const group = creatives.filter((c) => c.collation_id === "1541173110816865");
    expect(group.map((c) => c.collation_count)).toEqual([7, null]);
  });

  it("splits branded content into paying page and creator", () => {
    const c = ads.get("1503229964834672")!;
    expect(c.branded_content).toBe(true);
    expect(c.page).toMatchObject({ id: "133705003368840", name: "Quaker Brasil", profile_uri: "https://www.facebook.com/QuakerBrasil/" });
    expect(c.creator_page).toMatchObject({ id: "1977736155819459", name: "Betto Auge", like_count: 141121 });
    const plain = ads.get("2366492917183805")!;
    expect(plain.branded_content).toBe(false);
    expect(plain.creator_page).toBeNull();
    expect(plain.page.like_count).toBe(166245);
  });

  it("handles the DPA ad with null collation and templates", () => {
    const dpa = ads.get("1223312153071533")!;
    expect(dpa.display_format).toBe("DPA");
    expect(dpa.collation_id).toBeNull();
    expect(dpa.collation_count).toBeNull();
    expect(dpa.title).toBe("{{product.name}}");
    expect(dpa.has_templates).toBe(true);
    expect(dpa.cards).toHaveLength(6);
  });

  it("falls back to the SD video when there is no HD one", () => {
    const c = ads.get("1035930605750972")!;
    expect(c.media).toHaveLength(1);
    expect(c.media[0]!.url).toContain("video");
    expect(c.media[0]!.fallback_url).toBeNull();
  });

  it("does not count a video card's image as a second asset", () => {
    const c = ads.get("998478682993384")!;
    expect(c.media.every((m) => m.kind === "video")).toBe(true);
    expect(c.media.map((m) => m.card_index)).toEqual([0, 1, 2]);
  });
});

describe("built cases", () => {
  const creatives = creativesFromDocument(dataJson("built-cases.json"), CTX);
  const ads = byId(creatives);

  it("drops ads without a valid Library ID", () => {
    expect(creatives.map((c) => c.library_id)).toEqual([
      "900000000000001", "900000000000002", "900000000000003", "900000000000004", "90000000000000005", "900000000000006",
    ]);
  });

  it("normalises a single-image ad and unwraps its redirect link keeping the query", () => {
    const c = ads.get("900000000000001")!;
    expect(c.link_url).toBe("https://acme.example/sale?utm_source=facebook&utm_campaign=x");
    expect(c.media).toEqual([
      {
        kind: "image",
        url: "https://scontent.xx.fbcdn.net/v/t39/single-orig.jpg?oh=sig&oe=6AA2",
        fallback_url: "https://scontent.xx.fbcdn.net/v/t39/single-600.jpg?oh=sig&oe=6AA2",
        poster_url: null,
        card_index: null,
      },
    ]);
    expect(c.collation_count).toBe(2);
    expect(ads.get("900000000000002")!.collation_count).toBeNull();
    expect(ads.get("900000000000002")!.collation_id).toBe("500000000000001");
    expect(ads.get("900000000000002")!.is_active).toBe(false);
  });

  it("builds DPA cards: templates flagged, posters not assets, SD fallback, repeated images once", () => {
    const c = ads.get("900000000000003")!;
    expect(c.has_templates).toBe(true);
    expect(c.cards).toHaveLength(4);
    expect(c.media.map((m) => [m.kind, m.card_index])).toEqual([
      ["video", 1],
      ["video", 2],
      ["image", 0],
    ]);
    const [hd, sd] = c.media;
    expect(hd!.url).toContain("hd-2");
    expect(hd!.fallback_url).toContain("sd-2");
    expect(hd!.poster_url).toContain("poster-2");
    expect(sd!.url).toContain("sd-3");
    expect(sd!.poster_url).toContain("preview-3");
  });

  it("treats the snapshot page of branded content as the creator", () => {
    const c = ads.get("900000000000004")!;
    expect(c.branded_content).toBe(true);
    expect(c.page.id).toBe("111111111111111");
    expect(c.creator_page?.name).toBe("Creator Jane");
    // The image equal to the video's poster is not a second asset.
    expect(c.media).toHaveLength(1);
  });

  it("turns missing fields into nulls and empty lists", () => {
    const c = ads.get("90000000000000005")!;
    expect(Object.keys(c).sort()).toEqual(CREATIVE_KEYS);
    expect(c).toMatchObject({
      collation_id: null, collation_count: null, is_active: null, display_format: null, platforms: [],
      start_date: null, body: null, link_url: null, has_templates: false, cards: [], media: [],
      branded_content: false, creator_page: null,
      page: { id: null, name: null, profile_uri: null, profile_picture_url: null, like_count: null },
    });
  });

  it("keeps only http(s) URLs", () => {
    const c = ads.get("900000000000006")!;
    expect(c.link_url).toBeNull();
    expect(c.media).toEqual([]);
  });
});

describe("response bodies", () => {
  it("strips the for (;;); guard", () => {
    const body = `for (;;);${dataText("graphql-search-page.json")}`;
    expect(stripGuard("for (;;);{}")).toBe("{}");
    expect(creativesFromResponseText(body, CTX)).toHaveLength(9);
  });

  it("reads bodies of several JSON documents, one per line", () => {
    const first = JSON.stringify(dataJson("graphql-search-page.json"));
    const body = `for (;;);${first}\n{"label":"deferred","data":{}}\nnot json`;
    expect(parseResponseText(body)).toHaveLength(2);
    expect(creativesFromResponseText(body, CTX)).toHaveLength(9);
  });

  it("ignores unrelated responses", () => {
    expect(creativesFromResponseText('for (;;);{"data":{"viewer":{}}}', CTX)).toEqual([]);
    expect(creativesFromResponseText("", CTX)).toEqual([]);
  });

  it("leaves ordinary links alone and unwraps lm.facebook.com", () => {
    expect(unwrapRedirect("https://acme.example/a?b=1")).toBe("https://acme.example/a?b=1");
    expect(unwrapRedirect("https://lm.facebook.com/l.php?u=https%3A%2F%2Fx.example%2F%3Fq%3D1")).toBe("https://x.example/?q=1");
  });
});
