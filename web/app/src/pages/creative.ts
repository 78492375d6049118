/** One creative: its media, every card, texts with copy buttons, metadata, boards, tags, note. */
import type { CreativeDetail, Media } from "../api/types";
import { badges } from "../components/badges";
import { advertiserName, headline } from "../components/creativeCard";
import { copyButton, errorMessage, errorState, loading, setFieldError, toast } from "../components/feedback";
import { h, mount } from "../lib/dom";
import { adsLibraryUrl, cardText, formatDate, formatDateTime, formatName, platformName } from "../lib/format";
import { href, type Route } from "../lib/router";
import { parseTags } from "../lib/validate";
import { api, boards, invalidateBoards, selection } from "../state";

const MEDIA_STATUS: Record<string, string> = {
  pending: "Still being archived: refresh in a moment.",
  expired: "Meta’s link expired before it could be archived.",
  failed: "Archiving this file failed.",
  refused: "This file was refused (not a supported image or video).",
};

function mediaView(item: Media, name: string, index: number): HTMLElement {
  const label = `${item.kind === "video" ? "Video" : "Image"} ${index + 1} of the ad by ${name}`;
  if (!item.url) {
    return h("figure", { class: "media-item missing" }, h("div", { class: "media-missing" }, h("span", null, MEDIA_STATUS[item.status] ?? `Not available (${item.status}).`)), h("figcaption", null, label));
  }
  const src = api.url(item.url);
  const element =
    item.kind === "video"
      ? h("video", { src: `${src}#t=0.1`, controls: true, preload: "metadata", playsinline: true, "aria-label": label })
      : h("img", { src, alt: label, loading: "lazy" });
  return h("figure", { class: "media-item" }, element, h("figcaption", null, label));
}

function textRow(label: string, value: string | null | undefined, heading: "h3" | "h4" = "h3"): HTMLElement | null {
  if (!value) return null;
  return h(
    "div",
    { class: "text-row" },
    h("div", { class: "text-row-head" }, h(heading, null, label), copyButton(() => value, "Copy", label.toLowerCase())),
    h("p", { class: "text-value" }, value),
  );
}

function cardsSection(detail: CreativeDetail): HTMLElement | null {
  if (!detail.cards.length) return null;
  return h(
    "section",
    { class: "panel", "aria-labelledby": "cards-title" },
    h("h2", { id: "cards-title" }, `Cards (${detail.cards.length})`),
    h(
      "ol",
      { class: "cards-list" },
      detail.cards.map((card, index) => {
        const media = detail.media.filter((m) => m.card_index === index);
        return h(
          "li",
          { class: "card-item" },
          h("div", { class: "card-item-media" }, media.length ? media.map((m, i) => mediaView(m, advertiserName(detail), i)) : h("div", { class: "media-missing small" }, h("span", null, "No media"))),
          h(
            "div",
            { class: "card-item-texts" },
            h("h3", { class: "card-index" }, `Card ${index + 1}`),
            textRow("Headline", cardText(card.title), "h4"),
            textRow("Body", cardText(card.body), "h4"),
            textRow("Description", cardText(card.link_description), "h4"),
            textRow("Caption", cardText(card.caption), "h4"),
            textRow("Call to action", cardText(card.cta_text), "h4"),
            textRow("Link", cardText(card.link_url), "h4"),
          ),
        );
      }),
    ),
  );
}

/** DPA/DCO texts keep Meta's templates ({{product.name}}): say so rather than hide them. */
export function hasTemplates(detail: CreativeDetail): boolean {
  const texts = [detail.title, detail.body, detail.link_description, ...detail.cards.flatMap((c) => [cardText(c.title), cardText(c.body)])];
  return texts.some((t) => typeof t === "string" && /\{\{[^}]+\}\}/.test(t));
}

export function creativePage(main: HTMLElement, route: Route): void {
  const id = route.params.id as string;
  mount(main, h("div", { class: "page" }, loading("Loading the ad…")));

  async function load(): Promise<void> {
    try {
      render(await api.getCreative(id));
    } catch (error) {
      mount(main, h("div", { class: "page" }, h("a", { href: "#/library", class: "back" }, "← Library"), errorState(error, () => void load())));
    }
  }

  function render(detail: CreativeDetail): void {
    const name = advertiserName(detail);
    document.title = `${headline(detail)} · Magic Mango`;
    const topMedia = detail.media.filter((m) => m.card_index === null || m.card_index === undefined);
    const mediaSection = topMedia.length
      ? h("div", { class: "media-gallery" }, topMedia.map((m, i) => mediaView(m, name, i)))
      : detail.cards.length
        ? null
        : h("div", { class: "media-gallery" }, h("div", { class: "media-missing" }, h("span", null, "No media archived for this ad.")));

    const metadata = h(
      "dl",
      { class: "meta" },
      h("dt", null, "Advertiser"), h("dd", null, name, detail.page_id ? h("span", { class: "muted" }, ` (page ${detail.page_id})`) : null),
      h("dt", null, "Library ID"), h("dd", { class: "mono" }, detail.library_id, " ", copyButton(() => detail.library_id, "Copy", "library ID")),
      h("dt", null, "Platforms"), h("dd", null, detail.platforms.length ? detail.platforms.map(platformName).join(", ") : "—"),
      h("dt", null, "Format"), h("dd", null, formatName(detail.display_format)),
      h("dt", null, "Status"), h("dd", null, detail.is_active === null ? "—" : detail.is_active ? "Active" : "Inactive"),
      h("dt", null, "Started"), h("dd", null, formatDate(detail.start_date)),
      h("dt", null, "Ended"), h("dd", null, detail.end_date ? formatDate(detail.end_date) : detail.is_active ? "Still running" : "—"),
      h("dt", null, "Days running"), h("dd", null, detail.days_running === null ? "—" : String(detail.days_running)),
      h("dt", null, "Versions"), h("dd", null, String(detail.versions)),
      h("dt", null, "Saved"), h("dd", null, formatDateTime(detail.saved_at)),
      h("dt", null, "Last seen"), h("dd", null, formatDateTime(detail.last_seen_at)),
    );

    // Boards
    const boardList = h("ul", { class: "chips", "aria-label": "Boards of this ad" });
    const renderBoards = (): void => {
      mount(
        boardList,
        detail.boards.length
          ? detail.boards.map((b) =>
              h(
                "li",
                { class: "chip" },
                h("a", { href: `#/boards/${b.id}` }, b.name),
                h("button", {
                  type: "button",
                  class: "chip-remove",
                  "aria-label": `Remove from board ${b.name}`,
                  onclick: async () => {
                    try {
                      await api.removeFromBoard(b.id, detail.id);
                      detail.boards = detail.boards.filter((x) => x.id !== b.id);
                      invalidateBoards();
                      renderBoards();
                      toast(`Removed from “${b.name}”`);
                    } catch (error) {
                      toast(errorMessage(error), "error");
                    }
                  },
                }, "×"),
              ),
            )
          : h("li", { class: "muted" }, "Not on any board yet."),
      );
    };
    renderBoards();
    const boardPick = h("select", { id: "add-board" }, h("option", { value: "" }, "Choose a board…"));
    void boards().then((list) => {
      for (const b of list) boardPick.append(h("option", { value: b.id }, b.name));
    }).catch(() => undefined);
    const addBoardForm = h(
      "form",
      { class: "inline-form" },
      h("div", { class: "field grow" }, h("label", { for: "add-board" }, "Add to board"), boardPick),
      h("button", { type: "submit", class: "btn" }, "Add"),
    );
    addBoardForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const boardId = boardPick.value;
      if (!boardId) return boardPick.focus();
      try {
        await api.addToBoard(boardId, [detail.id]);
        const boardName = boardPick.selectedOptions[0]?.textContent ?? "";
        if (!detail.boards.some((b) => b.id === boardId)) detail.boards.push({ id: boardId, name: boardName });
        invalidateBoards();
        renderBoards();
        toast(`Added to “${boardName}”`);
      } catch (error) {
        toast(errorMessage(error), "error");
      }
    });

    // Tags
    const tagInput = h("input", { id: "tags", type: "text", value: detail.tags.join(", "), autocomplete: "off", "aria-describedby": "tags-hint" });
    const tagForm = h(
      "form",
      { class: "stack-form", novalidate: true },
      h("label", { for: "tags" }, "Tags"),
      h("p", { class: "hint", id: "tags-hint" }, "Separate tags with commas, e.g. hooks, ugc."),
      tagInput,
      h("button", { type: "submit", class: "btn btn-small" }, "Save tags"),
    );
    tagForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const { tags, error } = parseTags(tagInput.value);
      setFieldError(tagInput, error);
      if (error) return tagInput.focus();
      try {
        detail.tags = await api.setTags(detail.id, tags);
        tagInput.value = detail.tags.join(", ");
        tagInput.setAttribute("aria-describedby", "tags-hint");
        toast("Tags saved");
      } catch (err) {
        setFieldError(tagInput, errorMessage(err));
      }
    });

    // Note
    const note = h("textarea", { id: "note", rows: "5", maxlength: "10000" });
    note.value = detail.note ?? "";
    const noteStatus = h("span", { class: "muted", role: "status" });
    const noteForm = h(
      "form",
      { class: "stack-form" },
      h("label", { for: "note" }, "Note"),
      note,
      h("div", { class: "row" }, h("button", { type: "submit", class: "btn btn-small" }, "Save note"), noteStatus),
    );
    noteForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      noteStatus.textContent = "Saving…";
      try {
        const answer = await api.setNote(detail.id, note.value);
        detail.note = answer.note;
        noteStatus.textContent = answer.note ? "Note saved" : "Note deleted";
      } catch (error) {
        noteStatus.textContent = "";
        setFieldError(note, errorMessage(error));
      }
    });

    const selectBox = h("input", { id: "select-this", type: "checkbox", checked: selection.has(detail.id) });
    selectBox.addEventListener("change", () => selection.toggle(detail.id, selectBox.checked));

    mount(
      main,
      h(
        "div",
        { class: "page creative-page" },
        h("a", { href: "#/library", class: "back" }, "← Library"),
        h(
          "header",
          { class: "page-head" },
          h("p", { class: "advertiser" }, name),
          h("h1", null, headline(detail)),
          badges(detail),
          hasTemplates(detail)
            ? h("p", { class: "template-note" }, "Catalog ad: texts such as {{product.name}} are filled in by Meta for each product.")
            : null,
          h(
            "div",
            { class: "head-actions" },
            h("a", { class: "btn", href: adsLibraryUrl(detail.library_id), target: "_blank", rel: "noopener noreferrer" }, "Open in the Ads Library", h("span", { class: "visually-hidden" }, " (opens in a new tab)")),
            h("a", { class: "btn btn-primary", href: href("/content", { ids: detail.id }) }, "Generate content"),
            h("label", { class: "check", for: "select-this" }, selectBox, " Selected"),
          ),
        ),
        h(
          "div",
          { class: "detail-grid" },
          h(
            "div",
            { class: "detail-main" },
            mediaSection,
            h(
              "section",
              { class: "panel", "aria-labelledby": "texts-title" },
              h("h2", { id: "texts-title" }, "Texts"),
              textRow("Headline", detail.title),
              textRow("Body", detail.body),
              textRow("Description", detail.link_description),
              textRow("Caption", detail.caption),
              textRow("Call to action", detail.cta_text),
              textRow("Link", detail.link_url),
              !detail.title && !detail.body && !detail.link_description ? h("p", { class: "muted" }, "This ad has no text of its own; see its cards.") : null,
            ),
            cardsSection(detail),
          ),
          h(
            "aside",
            { class: "detail-side", "aria-label": "Details and organisation" },
            h("section", { class: "panel", "aria-labelledby": "about-title" }, h("h2", { id: "about-title" }, "About this ad"), metadata),
            h("section", { class: "panel", "aria-labelledby": "boards-title" }, h("h2", { id: "boards-title" }, "Boards"), boardList, addBoardForm),
            h("section", { class: "panel", "aria-labelledby": "organise-title" }, h("h2", { id: "organise-title" }, "Tags and note"), tagForm, noteForm),
          ),
        ),
      ),
    );
  }

  void load();
}
