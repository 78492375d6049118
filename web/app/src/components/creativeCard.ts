/** One creative in the library grid: thumbnail (or the video, on demand), badges, texts. */
import type { CreativeSummary } from "../api/types";
import { h } from "../lib/dom";
import { formatDate, platformName } from "../lib/format";
import { badges } from "./badges";

export interface CardOptions {
  mediaUrl: (path: string) => string;
  selected: boolean;
  onSelect: (on: boolean) => void;
  /** Fetches the URL of the creative's archived video (for play in place). */
  loadVideo?: () => Promise<string | null>;
  extraActions?: Node[];
}

export function advertiserName(creative: Pick<CreativeSummary, "page_name" | "page_id">): string {
  return creative.page_name || (creative.page_id ? `Page ${creative.page_id}` : "Unknown advertiser");
}

export function headline(creative: Pick<CreativeSummary, "title" | "body" | "library_id">): string {
  const text = creative.title?.trim() || creative.body?.trim().split("\n")[0] || `Ad ${creative.library_id}`;
  return text.length > 90 ? `${text.slice(0, 87)}…` : text;
}

function missing(text: string): HTMLElement {
  return h("div", { class: "media-missing" }, h("span", null, text));
}

export function creativeCard(creative: CreativeSummary, options: CardOptions): HTMLElement {
  const name = advertiserName(creative);
  const titleId = `card-title-${creative.id}`;
  const isVideo = (creative.display_format ?? "").toUpperCase() === "VIDEO";
  const media = h("div", { class: "card-media" });
  if (creative.thumbnail_url) {
    const src = options.mediaUrl(creative.thumbnail_url);
    const img = h("img", { src, alt: `Ad by ${name}`, loading: "lazy", decoding: "async" });
    // The thumbnail is the first archived file, which is a video when the ad has no
    // image: show the video's first frame instead (no autoplay, muted).
    img.addEventListener("error", () => {
      const still = h("video", { src: `${src}#t=0.1`, muted: true, preload: "metadata", playsinline: true, "aria-label": `Ad by ${name} (video)` });
      still.addEventListener("error", () => still.replaceWith(missing("Media not available")));
      img.replaceWith(still);
    }, { once: true });
    media.append(img);
  } else {
    media.append(missing(isVideo ? "Video not archived yet" : "No image archived"));
  }
  if (isVideo && options.loadVideo) {
    const play = h(
      "button",
      { type: "button", class: "play", "aria-label": `Play the video of the ad by ${name}` },
      h("span", { "aria-hidden": "true" }, "▶"),
    );
    play.addEventListener("click", async () => {
      play.disabled = true;
      play.setAttribute("aria-busy", "true");
      const url = await options.loadVideo!().catch(() => null);
      if (!url) {
        play.remove();
        media.append(h("p", { class: "media-note", role: "status" }, "The video was not archived."));
        return;
      }
      const video = h("video", {
        src: options.mediaUrl(url),
        controls: true,
        autoplay: true,
        playsinline: true,
        preload: "metadata",
        "aria-label": `Video of the ad by ${name}`,
      });
      media.replaceChildren(video);
      video.focus();
    });
    media.append(play);
  }

  const checkbox = h("input", {
    type: "checkbox",
    class: "select-box",
    checked: options.selected,
    "aria-label": `Select the ad by ${name}: ${headline(creative)}`,
  });
  checkbox.addEventListener("change", () => {
    options.onSelect(checkbox.checked);
    card.classList.toggle("selected", checkbox.checked);
  });

  const card = h(
    "article",
    { class: `creative-card${options.selected ? " selected" : ""}`, "aria-labelledby": titleId, dataset: { id: creative.id } },
    media,
    h(
      "div",
      { class: "card-body" },
      h("div", { class: "card-top" }, h("p", { class: "advertiser" }, name), checkbox),
      h("h3", { class: "card-title", id: titleId }, h("a", { href: `#/creatives/${creative.id}` }, headline(creative))),
      badges(creative),
      creative.body ? h("p", { class: "card-text" }, creative.body) : null,
      h(
        "p",
        { class: "card-meta" },
        creative.platforms.length ? creative.platforms.map(platformName).join(" · ") : "Platforms unknown",
        h("span", { class: "sep", "aria-hidden": "true" }, " — "),
        `Saved ${formatDate(creative.saved_at)}`,
      ),
      creative.tags.length
        ? h("ul", { class: "tags", "aria-label": "Tags" }, creative.tags.map((tag) => h("li", { class: "tag" }, `#${tag}`)))
        : null,
      options.extraActions?.length ? h("div", { class: "card-actions" }, options.extraActions) : null,
    ),
  );
  return card;
}
