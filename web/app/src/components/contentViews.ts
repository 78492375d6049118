/**
 * Views of the built-in content kinds (actors/content: brief, copy_variants,
 * script_outline). Results are stored as JSONB, which does not keep key order, so each
 * view puts fields in the order a reader wants them. A result that does not have the
 * expected shape falls back to the generic view in taskResult.ts.
 */
import { h } from "../lib/dom";
import { platformName, plural } from "../lib/format";
import { copyButton } from "./feedback";
import { humanize } from "./taskResult";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === "object" && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : typeof v === "number" ? String(v) : null);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function field(label: string, value: string | null, options: { copy?: boolean; limit?: number } = {}): HTMLElement | null {
  if (value === null) return null;
  const over = options.limit !== undefined && value.length > options.limit;
  return h(
    "div",
    { class: "cv-field" },
    h(
      "div",
      { class: "cv-field-head" },
      h("span", { class: "cv-label" }, label),
      options.limit !== undefined
        ? h("span", { class: `cv-count${over ? " over" : ""}`, title: "Characters shown before truncation" }, `${value.length}/${options.limit}`)
        : null,
      options.copy ? copyButton(() => value, "Copy", label.toLowerCase()) : null,
    ),
    h("p", { class: "cv-value" }, value),
  );
}

// Copy variants ---------------------------------------------------------------------

export function copyVariantsText(result: Json): string {
  return list(result.variants)
    .filter(isObject)
    .map((v, i) =>
      [`Variant ${i + 1} (${humanize(str(v.technique) ?? "variant")})`, `Primary text: ${str(v.primary_text) ?? ""}`, `Headline: ${str(v.headline) ?? ""}`, `Description: ${str(v.description) ?? ""}`].join("\n"),
    )
    .join("\n\n");
}

function copyVariantsView(result: Json): HTMLElement | null {
  const variants = list(result.variants).filter(isObject);
  if (!variants.length) return null;
  const limits = isObject(result.limits) ? result.limits : {};
  const limit = (key: string): number | undefined => (typeof limits[key] === "number" ? (limits[key] as number) : undefined);
  const platforms = list(result.platforms).map(String).map(platformName).join(", ");
  return h(
    "div",
    { class: "content-view" },
    h(
      "p",
      { class: "cv-meta" },
      [str(result.tone) ? `Tone: ${humanize(str(result.tone)!)}` : null, platforms ? `For ${platforms}` : null, limit("primary_text") ? `Primary text shows ${limit("primary_text")} characters before “See more”` : null]
        .filter(Boolean)
        .join(" · "),
    ),
    h(
      "ol",
      { class: "cv-variants" },
      variants.map((v, i) =>
        h(
          "li",
          { class: "cv-card" },
          h(
            "div",
            { class: "cv-card-head" },
            h("h3", null, `Variant ${i + 1}`),
            h("span", { class: "badge" }, humanize(str(v.technique) ?? "variant")),
            v.uses_templates === true ? h("span", { class: "badge badge-versions" }, "Uses catalog templates") : null,
            str(v.based_on) ? h("span", { class: "muted cv-based" }, `from ad ${str(v.based_on)}`) : null,
            copyButton(() => copyVariantsText({ variants: [v] }).replace(/^Variant 1/, `Variant ${i + 1}`), "Copy", `variant ${i + 1}`),
          ),
          field("Primary text", str(v.primary_text), { copy: true, limit: limit("primary_text") }),
          field("Headline", str(v.headline), { copy: true, limit: limit("headline") }),
          field("Description", str(v.description), { copy: true, limit: limit("description") }),
        ),
      ),
    ),
  );
}

// Script outline ----------------------------------------------------------------------

function seconds(v: unknown): string {
  return typeof v === "number" ? `${Number.isInteger(v) ? v : v.toFixed(1)}s` : "";
}

export function scriptOutlineText(result: Json): string {
  const head = `Video script: ${str(result.duration_seconds) ?? "?"} s, ${str(result.aspect_ratio) ?? ""}`;
  const beats = list(result.beats)
    .filter(isObject)
    .map(
      (b) =>
        `${seconds(b.start_seconds)}–${seconds(b.end_seconds)} ${humanize(str(b.name) ?? "beat").toUpperCase()}\n` +
        `  Voiceover: ${str(b.voiceover) ?? ""}\n  On screen: ${str(b.on_screen_text) ?? ""}\n  Visual: ${str(b.visual) ?? ""}`,
    );
  return [head, ...beats].join("\n\n");
}

function scriptOutlineView(result: Json): HTMLElement | null {
  const beats = list(result.beats).filter(isObject);
  if (!beats.length) return null;
  const basedOn = list(result.based_on).map(String);
  return h(
    "div",
    { class: "content-view" },
    h("p", { class: "cv-meta" }, [`${str(result.duration_seconds) ?? "?"} seconds`, str(result.aspect_ratio), basedOn.length ? `from ads ${basedOn.join(", ")}` : null].filter(Boolean).join(" · ")),
    h(
      "ol",
      { class: "cv-beats" },
      beats.map((b) =>
        h(
          "li",
          { class: "cv-beat" },
          h("div", { class: "cv-time" }, h("span", { class: "cv-beat-name" }, humanize(str(b.name) ?? "beat")), h("span", { class: "muted" }, `${seconds(b.start_seconds)} – ${seconds(b.end_seconds)}`)),
          h(
            "div",
            { class: "cv-beat-body" },
            field("Voiceover", str(b.voiceover), { copy: true }),
            field("On screen", str(b.on_screen_text)),
            field("Visual", str(b.visual)),
          ),
        ),
      ),
    ),
  );
}

// Brief --------------------------------------------------------------------------------

function claims(label: string, value: unknown): HTMLElement | null {
  const items = list(value).filter(isObject);
  if (!items.length) return null;
  return h(
    "div",
    { class: "cv-field" },
    h("span", { class: "cv-label" }, label),
    h("ul", { class: "chips cv-claims" }, items.map((c) => h("li", { class: "chip" }, h("span", { class: "muted" }, `${humanize(str(c.kind) ?? "claim")}: `), str(c.text) ?? ""))),
  );
}

function briefView(result: Json): HTMLElement | null {
  const creatives = list(result.creatives).filter(isObject);
  if (!creatives.length) return null;
  const common = list(result.common_claims).map(String);
  return h(
    "div",
    { class: "content-view" },
    h(
      "div",
      { class: "cv-summary" },
      h("h3", null, "Across these ads"),
      h(
        "ul",
        null,
        h("li", null, common.length ? `Shared claims: ${common.map(humanize).join(", ")}` : "No claim kind is shared by more than one ad."),
        list(result.platforms).length ? h("li", null, `Platforms: ${list(result.platforms).map(String).map(platformName).join(", ")}`) : null,
        str(result.longest_running) ? h("li", null, `Longest running: ad ${str(result.longest_running)}`) : null,
      ),
    ),
    h(
      "ol",
      { class: "cv-variants" },
      creatives.map((c) => {
        const media = isObject(c.media) ? c.media : {};
        const facts = [
          str(c.format) ? humanize(str(c.format)!) : null,
          typeof c.days_running === "number" ? `${plural(c.days_running, "day")} running` : null,
          typeof c.versions === "number" && c.versions > 1 ? `${c.versions} versions` : null,
          c.is_active === true ? "active" : c.is_active === false ? "inactive" : null,
          str(media.description),
          typeof c.body_words === "number" ? `${c.body_words} words${c.truncated_in_feed === true ? ", cut in the feed" : ""}` : null,
        ].filter(Boolean);
        return h(
          "li",
          { class: "cv-card" },
          h(
            "div",
            { class: "cv-card-head" },
            h("h3", null, str(c.advertiser) ?? "Unknown advertiser"),
            h("span", { class: "muted cv-based" }, `ad ${str(c.library_id) ?? ""}`),
            str(c.creative_id) ? h("a", { href: `#/creatives/${str(c.creative_id)}`, class: "cv-open" }, "Open ad") : null,
          ),
          h("p", { class: "cv-meta" }, facts.join(" · ")),
          field("Hook", str(c.hook), { copy: true }),
          field("Headline", str(c.headline), { copy: true }),
          field("Call to action", str(c.call_to_action)),
          claims("Offer", c.offer),
          claims("Claims", c.claims),
          list(c.templates).length ? field("Templates", list(c.templates).map(String).join(", ")) : null,
          list(c.notes).length
            ? h("div", { class: "cv-field" }, h("span", { class: "cv-label" }, "Notes"), h("ul", { class: "cv-notes" }, list(c.notes).map((n) => h("li", null, String(n)))))
            : null,
        );
      }),
    ),
  );
}

export function briefText(result: Json): string {
  const common = list(result.common_claims).map(String);
  const head = [
    "Across these ads",
    `- ${common.length ? `Shared claims: ${common.map(humanize).join(", ")}` : "No claim kind is shared by more than one ad."}`,
    list(result.platforms).length ? `- Platforms: ${list(result.platforms).map(String).map(platformName).join(", ")}` : null,
    str(result.longest_running) ? `- Longest running: ad ${str(result.longest_running)}` : null,
  ].filter(Boolean);
  const parts = list(result.creatives)
    .filter(isObject)
    .map((c) => {
      const claimText = (v: unknown) => list(v).filter(isObject).map((x) => `${humanize(str(x.kind) ?? "claim")}: ${str(x.text) ?? ""}`).join("; ");
      return [
        `${str(c.advertiser) ?? "Unknown advertiser"} (ad ${str(c.library_id) ?? ""})`,
        str(c.hook) ? `Hook: ${str(c.hook)}` : null,
        str(c.headline) ? `Headline: ${str(c.headline)}` : null,
        str(c.call_to_action) ? `Call to action: ${str(c.call_to_action)}` : null,
        claimText(c.offer) ? `Offer: ${claimText(c.offer)}` : null,
        claimText(c.claims) ? `Claims: ${claimText(c.claims)}` : null,
        ...list(c.notes).map((n) => `- ${String(n)}`),
      ]
        .filter(Boolean)
        .join("\n");
    });
  return [head.join("\n"), ...parts].join("\n\n");
}

/** The view of a known kind, or null to use the generic one. */
export function contentView(kind: string, result: unknown): HTMLElement | null {
  if (!isObject(result)) return null;
  switch (kind) {
    case "copy_variants":
      return copyVariantsView(result);
    case "script_outline":
      return scriptOutlineView(result);
    case "brief":
      return briefView(result);
    default:
      return null;
  }
}

/** Plain text of a known kind for "Copy all", or null for the generic text. */
export function contentText(kind: string, result: unknown): string | null {
  if (!isObject(result)) return null;
  if (kind === "copy_variants" && list(result.variants).length) return copyVariantsText(result);
  if (kind === "script_outline" && list(result.beats).length) return scriptOutlineText(result);
  if (kind === "brief" && list(result.creatives).length) return briefText(result);
  return null;
}
