/**
 * The library (`#/library`) and one board (`#/boards/:id`): search, filters, a grid with
 * infinite scroll (IntersectionObserver on a sentinel, plus a "Load more" button for
 * keyboards and when the observer is missing), and a selection bar for boards and content.
 */
import type { Board, CreativeFilters, CreativePage, CreativeSummary } from "../api/types";
import { FILTER_KEYS } from "../api/types";
import { ApiError } from "../api/client";
import { creativeCard } from "../components/creativeCard";
import { confirmDialog, empty, errorMessage, errorState, loading, setFieldError, toast } from "../components/feedback";
import { h, mount, uid } from "../lib/dom";
import { FORMATS, PLATFORMS, formatCount, formatName, plural, platformName } from "../lib/format";
import { CursorPager } from "../lib/pager";
import { href, navigate, type Route } from "../lib/router";
import { validateName } from "../lib/validate";
import { api, boards, invalidateBoards, selection } from "../state";

const PAGE_SIZE = 24;

export function filtersFromQuery(query: URLSearchParams): CreativeFilters {
  const filters: CreativeFilters = {};
  for (const key of FILTER_KEYS) {
    const value = query.get(key);
    if (value) (filters as Record<string, string>)[key] = value;
  }
  return filters;
}

export function activeFilterCount(filters: CreativeFilters): number {
  return FILTER_KEYS.filter((k) => k !== "q" && k !== "sort" && (filters[k] ?? "") !== "").length;
}

/** Whether the API ranks these results by relevance (a search, sorted by default or by relevance). */
export function sortedByRelevance(filters: CreativeFilters): boolean {
  const sort = (filters.sort ?? "").trim();
  return (filters.q ?? "").trim() !== "" && (sort === "" || sort === "relevance");
}

function select(id: string, label: string, options: [string, string][], value: string | undefined): HTMLElement {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("select", { id, name: id.replace(/^f-/, "") }, options.map(([v, text]) => h("option", { value: v, selected: v === (value ?? "") }, text))),
  );
}

export function libraryPage(main: HTMLElement, route: Route): () => void {
  const boardId = route.params.id ?? null;
  const filters = filtersFromQuery(route.query);
  if (boardId) filters.board_id = boardId;
  const cleanups: (() => void)[] = [];
  let pager: CursorPager<CreativeSummary, CreativePage> | null = null;
  let observer: IntersectionObserver | null = null;
  let board: Board | null = null;

  // Header ------------------------------------------------------------------
  const title = h("h1", null, boardId ? "Board" : "Library");
  const boardTools = h("div", { class: "board-tools" });
  const summary = h("p", { class: "result-summary", role: "status", "aria-live": "polite" });
  // Shown when a broad search ranked only the most recent matches (relevance_window).
  // Outside the live region, and kept (hidden) rather than rebuilt, so focus stays on it.
  const showEveryMatch = h("button", { type: "button", class: "btn btn-small result-window-action", hidden: true }, "Show every match, newest first");

  // Search and filters -------------------------------------------------------
  const q = h("input", { id: "f-q", name: "q", type: "search", value: filters.q ?? "", placeholder: "Search text, advertiser, headline… (\"exact phrase\", -word)", autocomplete: "off" });
  const searchForm = h(
    "form",
    { class: "search", role: "search", "aria-label": "Search the library" },
    h("label", { for: "f-q", class: "visually-hidden" }, "Search saved ads"),
    q,
    h("button", { type: "submit", class: "btn btn-primary" }, "Search"),
  );
  const boardSelectWrap = h("div");
  const tagSelectWrap = h("div");
  const filterForm = h(
    "form",
    { class: "filters" },
    h("div", { class: "field" }, h("label", { for: "f-page" }, "Advertiser"), h("input", { id: "f-page", name: "page", type: "text", value: filters.page ?? "", placeholder: "Page name or id", autocomplete: "off" })),
    select("f-platform", "Platform", [["", "Any platform"], ...PLATFORMS.map((p): [string, string] => [p, platformName(p)])], filters.platform),
    select("f-display_format", "Format", [["", "Any format"], ...FORMATS.map((f): [string, string] => [f, formatName(f)])], filters.display_format),
    select("f-active", "Status", [["", "Active or not"], ["true", "Active"], ["false", "Inactive"]], filters.active),
    h("div", { class: "field" }, h("label", { for: "f-min_days_running" }, "Min. days running"), h("input", { id: "f-min_days_running", name: "min_days_running", type: "number", min: "0", step: "1", inputmode: "numeric", value: filters.min_days_running ?? "" })),
    h("div", { class: "field" }, h("label", { for: "f-saved_from" }, "Saved from"), h("input", { id: "f-saved_from", name: "saved_from", type: "date", value: filters.saved_from ?? "" })),
    h("div", { class: "field" }, h("label", { for: "f-saved_to" }, "Saved until"), h("input", { id: "f-saved_to", name: "saved_to", type: "date", value: filters.saved_to ?? "" })),
    boardId ? null : boardSelectWrap,
    tagSelectWrap,
    select(
      "f-sort",
      "Sort by",
      [["", filters.q ? "Relevance" : "Newest saved"], ["saved_desc", "Newest saved"], ["running_longest", "Running longest"], ["most_versions", "Most versions"], ["relevance", "Relevance (search)"]],
      filters.sort,
    ),
    h("div", { class: "filter-actions" }, h("button", { type: "reset", class: "btn btn-ghost btn-small" }, "Clear filters")),
  );
  const filterToggle = h("button", { type: "button", class: "btn btn-ghost filter-toggle", "aria-expanded": "false", "aria-controls": "filter-panel" });
  const filterPanel = h("div", { id: "filter-panel", class: "filter-panel" }, filterForm);
  const updateToggle = (): void => {
    const count = activeFilterCount(readFilters());
    filterToggle.textContent = count ? `Filters (${count})` : "Filters";
  };
  filterToggle.addEventListener("click", () => {
    const open = filterToggle.getAttribute("aria-expanded") !== "true";
    filterToggle.setAttribute("aria-expanded", String(open));
    filterPanel.classList.toggle("open", open);
  });

  function readFilters(): CreativeFilters {
    const next: CreativeFilters = { q: q.value };
    for (const element of Array.from(filterForm.elements)) {
      if (element instanceof HTMLInputElement || element instanceof HTMLSelectElement) {
        if (element.name) (next as Record<string, string>)[element.name] = element.value;
      }
    }
    if (boardId) next.board_id = boardId;
    return next;
  }

  function applyFilters(): void {
    const next = readFilters();
    const query = new URLSearchParams();
    for (const key of FILTER_KEYS) {
      const value = next[key];
      if (value && !(boardId && key === "board_id")) query.set(key, value);
    }
    history.replaceState(null, "", href(boardId ? `/boards/${boardId}` : "/library", query));
    Object.assign(filters, next);
    updateToggle();
    void reload();
  }

  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    applyFilters();
  });
  filterForm.addEventListener("change", () => applyFilters());
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    applyFilters();
  });
  filterForm.addEventListener("reset", () => setTimeout(() => {
    for (const element of Array.from(filterForm.elements)) {
      if (element instanceof HTMLInputElement) element.value = "";
      if (element instanceof HTMLSelectElement) element.value = "";
    }
    applyFilters();
  }));

  // Grid ----------------------------------------------------------------------
  const grid = h("ul", { class: "grid", "aria-label": "Saved ads" });
  const status = h("div", { class: "grid-status" });
  const more = h("button", { type: "button", class: "btn load-more" }, "Load more");
  more.addEventListener("click", () => void loadMore());
  const sentinel = h("div", { class: "sentinel", "aria-hidden": "true" });

  function card(creative: CreativeSummary): HTMLElement {
    const extra: Node[] = [];
    if (boardId) {
      extra.push(
        h(
          "button",
          {
            type: "button",
            class: "btn btn-small btn-ghost",
            onclick: async (event: MouseEvent) => {
              const button = event.currentTarget as HTMLButtonElement;
              button.disabled = true;
              try {
                await api.removeFromBoard(boardId, creative.id);
                pager?.remove(creative.id);
                button.closest("li")?.remove();
                invalidateBoards();
                toast("Removed from the board");
                updateSummary();
              } catch (error) {
                button.disabled = false;
                toast(errorMessage(error), "error");
              }
            },
          },
          "Remove from board",
        ),
      );
    }
    return h(
      "li",
      null,
      creativeCard(creative, {
        mediaUrl: (path) => api.url(path),
        selected: selection.has(creative.id),
        onSelect: (on) => selection.toggle(creative.id, on),
        loadVideo: async () => {
          const detail = await api.getCreative(creative.id);
          return detail.media.find((m) => m.kind === "video" && m.url)?.url ?? null;
        },
        extraActions: extra,
      }),
    );
  }

  function updateSummary(): void {
    if (!pager) return;
    const count = pager.items.length;
    const searching = !!filters.q;
    const text = pager.done
      ? `${plural(count, "ad")}${searching ? ` match “${filters.q}”` : ""}`
      : `Showing ${plural(count, "ad")}${searching ? ` matching “${filters.q}”` : ""}, scroll for more`;
    // The first page tells how the listing was ranked; later pages follow that order.
    const ranked = sortedByRelevance(filters) ? (pager.firstPage?.relevance_window ?? null) : null;
    summary.textContent = ranked
      ? `${text}. Ranked by relevance among your ${formatCount(ranked)} most recently saved matches.`
      : text;
    showEveryMatch.hidden = !ranked;
  }

  showEveryMatch.addEventListener("click", () => {
    const sort = filterForm.querySelector<HTMLSelectElement>("#f-sort");
    if (!sort) return;
    const hadFocus = document.activeElement === showEveryMatch;
    sort.value = "saved_desc";
    // The same path as picking it in the select: the form's change handler updates the
    // URL and reloads.
    sort.dispatchEvent(new Event("change", { bubbles: true }));
    if (hadFocus) {
      // The button hides with the reload: leave focus on the control that now says "Newest saved"
      // (or on the Filters toggle when the filter panel is collapsed on small screens).
      (sort.getClientRects().length ? sort : filterToggle).focus();
    }
  });

  async function loadMore(): Promise<void> {
    const current = pager;
    if (!current || current.loading || current.done) return;
    more.hidden = true;
    if (current.items.length) mount(status, loading("Loading more ads…"));
    try {
      const fresh = await current.next();
      if (current !== pager) return;
      for (const creative of fresh) grid.append(card(creative));
      status.replaceChildren();
      if (current.items.length === 0) {
        grid.hidden = true;
        mount(status, emptyState());
      } else {
        grid.hidden = false;
      }
      more.hidden = current.done;
      updateSummary();
      // A short page may leave the sentinel in view, and the observer reports only
      // changes: keep filling. (Without an observer, "Load more" does the paging.)
      if (observer && !current.done && sentinelVisible()) void loadMore();
    } catch (error) {
      if (current !== pager) return;
      if (error instanceof ApiError && error.status === 404 && boardId) {
        mount(main, empty("Board not found", "It may have been deleted.", h("a", { href: "#/boards", class: "btn" }, "All boards")));
        return;
      }
      mount(status, errorState(error, () => void loadMore()));
    }
  }

  function sentinelVisible(): boolean {
    const rect = sentinel.getBoundingClientRect();
    return rect.top < window.innerHeight + 400 && rect.height >= 0 && sentinel.isConnected && window.innerHeight > 0;
  }

  function emptyState(): HTMLElement {
    const filtered = activeFilterCount(filters) > (boardId ? 1 : 0) || !!filters.q;
    if (filtered) {
      return empty("No ads match", "Try other words or fewer filters.", h("button", { type: "button", class: "btn", onclick: () => filterForm.reset() }, "Clear filters"));
    }
    if (boardId) {
      return empty("This board is empty", "Select ads in your library and choose “Add to board”.", h("a", { class: "btn", href: "#/library" }, "Go to the library"));
    }
    return empty(
      "Your library is empty",
      h("span", null, "Install the browser extension, connect it with an ", h("a", { href: "#/tokens" }, "API token"), ", and press Save on ads in the Facebook Ads Library."),
      h("a", { class: "btn btn-primary", href: "#/tokens" }, "Create an API token"),
    );
  }

  async function reload(): Promise<void> {
    pager?.cancel();
    const current = new CursorPager<CreativeSummary, CreativePage>((cursor, signal) => api.listCreatives({ ...filters }, cursor, PAGE_SIZE, signal));
    pager = current;
    grid.replaceChildren();
    grid.hidden = false;
    more.hidden = true;
    summary.textContent = "";
    showEveryMatch.hidden = true;
    mount(status, loading("Loading ads…"));
    await loadMore();
  }

  // Selection bar -------------------------------------------------------------
  const selectionBar = h("div", { class: "selection-bar", role: "region", "aria-label": "Selected ads" });
  function renderSelection(): void {
    const count = selection.size;
    selectionBar.hidden = count === 0;
    if (count === 0) return;
    const boardPick = h("select", { id: "sel-board", "aria-label": "Board to add the selected ads to" }, h("option", { value: "" }, "Choose a board…"));
    void boards().then((list) => {
      for (const b of list) if (b.id !== boardId) boardPick.append(h("option", { value: b.id }, b.name));
    }).catch(() => undefined);
    mount(
      selectionBar,
      h("p", { class: "selection-count" }, h("strong", null, plural(count, "ad")), " selected"),
      h("div", { class: "selection-actions" },
        boardPick,
        h("button", {
          type: "button",
          class: "btn",
          onclick: async () => {
            if (!boardPick.value) {
              boardPick.focus();
              toast("Choose a board first", "error");
              return;
            }
            try {
              const added = await api.addToBoard(boardPick.value, selection.list());
              invalidateBoards();
              toast(`Added ${plural(added, "ad")} to “${boardPick.selectedOptions[0]?.textContent ?? "the board"}”`);
            } catch (error) {
              toast(errorMessage(error), "error");
            }
          },
        }, "Add to board"),
        h("a", { class: "btn btn-primary", href: href("/content", { ids: selection.list().join(",") }) }, "Generate content"),
        h("button", { type: "button", class: "btn btn-ghost", onclick: () => {
          selection.clear();
          for (const box of Array.from(grid.querySelectorAll<HTMLInputElement>(".select-box"))) box.checked = false;
          for (const c of Array.from(grid.querySelectorAll(".creative-card.selected"))) c.classList.remove("selected");
        } }, "Clear selection"),
      ),
    );
  }
  cleanups.push(selection.subscribe(renderSelection));

  // Board header, filter options ------------------------------------------------
  async function loadOptions(): Promise<void> {
    try {
      const [boardList, tags] = await Promise.all([boards(), api.listTags()]);
      if (boardId) {
        board = boardList.find((b) => b.id === boardId) ?? null;
        if (board) {
          title.textContent = board.name;
          document.title = `${board.name} · Magic Mango`;
          renderBoardTools();
        }
      } else {
        mount(boardSelectWrap, select("f-board_id", "Board", [["", "Any board"], ...boardList.map((b): [string, string] => [b.id, b.name])], filters.board_id));
      }
      mount(tagSelectWrap, select("f-tag", "Tag", [["", "Any tag"], ...tags.map((t): [string, string] => [t.tag, `#${t.tag} (${t.count})`])], filters.tag));
    } catch {
      // The grid shows the error; the filters without boards and tags still work.
    }
  }

  function renderBoardTools(): void {
    if (!board) return;
    const current = board;
    const nameId = uid("rename");
    const input = h("input", { id: nameId, type: "text", value: current.name, maxlength: "100" });
    const renameForm = h(
      "form",
      { class: "inline-form rename", hidden: true, novalidate: true },
      h("div", { class: "field" }, h("label", { for: nameId }, "Board name"), input),
      h("button", { type: "submit", class: "btn btn-primary btn-small" }, "Save"),
      h("button", { type: "button", class: "btn btn-ghost btn-small", onclick: () => { renameForm.hidden = true; renameButton.hidden = false; renameButton.focus(); } }, "Cancel"),
    );
    const renameButton = h("button", { type: "button", class: "btn btn-small", onclick: () => { renameForm.hidden = false; renameButton.hidden = true; input.focus(); input.select(); } }, "Rename");
    renameForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const problem = validateName(input.value, { max: 100, what: "board" });
      setFieldError(input, problem);
      if (problem) return;
      try {
        board = await api.renameBoard(current.id, input.value.trim());
        invalidateBoards();
        title.textContent = board.name;
        toast("Board renamed");
        renderBoardTools();
      } catch (error) {
        setFieldError(input, errorMessage(error));
      }
    });
    mount(
      boardTools,
      h("a", { href: "#/boards", class: "back" }, "← All boards"),
      renameButton,
      h("button", {
        type: "button",
        class: "btn btn-small btn-danger-ghost",
        onclick: async () => {
          if (!(await confirmDialog("Delete this board?", `“${current.name}” will be deleted. The ads on it stay in your library.`, "Delete board"))) return;
          try {
            await api.deleteBoard(current.id);
            invalidateBoards();
            toast(`Deleted “${current.name}”`);
            navigate("/boards");
          } catch (error) {
            toast(errorMessage(error), "error");
          }
        },
      }, "Delete board"),
      renameForm,
    );
  }

  updateToggle();
  mount(
    main,
    h(
      "div",
      { class: "page library" },
      h("header", { class: "page-head" }, h("div", { class: "title-row" }, title, boardTools), h("div", { class: "summary-row" }, summary, showEveryMatch)),
      h("div", { class: "toolbar" }, searchForm, filterToggle),
      h("div", { class: "library-body" }, h("aside", { class: "sidebar", "aria-label": "Filters" }, filterPanel), h("section", { class: "results", "aria-label": "Results" }, grid, status, more, sentinel, selectionBar)),
    ),
  );
  renderSelection();
  void loadOptions();

  if (typeof IntersectionObserver !== "undefined") {
    observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) void loadMore();
    }, { rootMargin: "400px 0px" });
    observer.observe(sentinel);
  }
  void reload();

  return () => {
    pager?.cancel();
    observer?.disconnect();
    for (const fn of cleanups) fn();
  };
}
