/**
 * What the extension draws on the Ads Library page: a Save button per card and a
 * toolbar (Save all, board picker, "saving is paused" banner).
 *
 * Everything lives in shadow roots so the page's styles cannot break it, and the page's
 * re-renders can at worst remove it (the content script puts it back).
 */

import type { Board } from "../payload";

export type ButtonState = "save" | "saving" | "saved" | "failed" | "unavailable" | "paused";

/** Attribute on our host elements; also how the content script finds its own nodes. */
export const HOST_ATTR = "data-magic-mango";

const LABELS: Record<ButtonState, string> = {
  save: "Save",
  saving: "Saving…",
  saved: "Saved",
  failed: "Retry save",
  unavailable: "Not capturable",
  paused: "Paused",
};

const BUTTON_CSS = `
  :host { all: initial; display: block; margin: 4px 0; font: 13px/1.2 system-ui, sans-serif; }
  button { cursor: pointer; border: 0; border-radius: 6px; padding: 6px 12px; font: inherit;
           font-weight: 600; color: #fff; background: #f59e0b; }
  button[data-state="saving"] { background: #9ca3af; cursor: progress; }
  button[data-state="saved"] { background: #16a34a; cursor: default; }
  button[data-state="failed"] { background: #dc2626; }
  button[data-state="unavailable"], button[data-state="paused"] { background: #6b7280; cursor: not-allowed; }
`;

/** The Save button injected into one result card. */
export class SaveButton {
  readonly host: HTMLElement;
  private readonly button: HTMLButtonElement;
  libraryId: string;

  constructor(doc: Document, libraryId: string, onClick: (id: string) => void) {
    this.libraryId = libraryId;
    this.host = doc.createElement("div");
    this.host.setAttribute(HOST_ATTR, "save");
    const root = this.host.attachShadow({ mode: "open" });
    const style = doc.createElement("style");
    style.textContent = BUTTON_CSS;
    this.button = doc.createElement("button");
    this.button.type = "button";
    this.button.addEventListener("click", (event) => {
      // The card itself is often a link or opens a dialog: keep the click ours.
      event.preventDefault();
      event.stopPropagation();
      onClick(this.libraryId);
    });
    root.append(style, this.button);
    this.setState("save");
  }

  get state(): ButtonState {
    return this.button.dataset["state"] as ButtonState;
  }

  setState(state: ButtonState, title = ""): void {
    this.button.dataset["state"] = state;
    this.button.textContent = `Magic Mango: ${LABELS[state]}`;
    this.button.title = title;
    this.button.disabled = state === "saving" || state === "saved" || state === "unavailable" || state === "paused";
    this.host.dataset["state"] = state;
    this.host.dataset["libraryId"] = this.libraryId;
  }
}

const TOOLBAR_CSS = `
  :host { all: initial; position: fixed; top: 12px; right: 12px; z-index: 2147483647;
          font: 13px/1.3 system-ui, sans-serif; }
  .bar { display: flex; gap: 8px; align-items: center; background: #fff; color: #111;
         border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; box-shadow: 0 2px 8px #0002; }
  button { cursor: pointer; border: 0; border-radius: 6px; padding: 6px 10px; font: inherit;
           font-weight: 600; color: #fff; background: #f59e0b; }
  button:disabled { background: #9ca3af; cursor: not-allowed; }
  select[hidden] { display: none; }
  .banner { margin-top: 6px; padding: 8px; border-radius: 6px; background: #fee2e2; color: #991b1b;
            font-weight: 600; max-width: 360px; }
  .banner[hidden] { display: none; }
`;

/** The page-level controls: Save all, board picker and the paused banner. */
export class Toolbar {
  readonly host: HTMLElement;
  readonly saveAll: HTMLButtonElement;
  readonly boards: HTMLSelectElement;
  readonly banner: HTMLDivElement;

  constructor(doc: Document, onSaveAll: () => void, onBoard: (boardId: string | null) => void) {
    this.host = doc.createElement("div");
    this.host.setAttribute(HOST_ATTR, "toolbar");
    const root = this.host.attachShadow({ mode: "open" });
    const style = doc.createElement("style");
    style.textContent = TOOLBAR_CSS;
    const bar = doc.createElement("div");
    bar.className = "bar";
    this.saveAll = doc.createElement("button");
    this.saveAll.type = "button";
    this.saveAll.dataset["role"] = "save-all";
    this.saveAll.addEventListener("click", () => onSaveAll());
    this.boards = doc.createElement("select");
    this.boards.dataset["role"] = "boards";
    this.boards.title = "Board to save to";
    this.boards.hidden = true; // shown once the Backend API lists boards
    this.boards.addEventListener("change", () => onBoard(this.boards.value === "" ? null : this.boards.value));
    bar.append(this.saveAll, this.boards);
    this.banner = doc.createElement("div");
    this.banner.className = "banner";
    this.banner.dataset["role"] = "banner";
    this.banner.setAttribute("role", "alert");
    this.banner.hidden = true;
    root.append(style, bar, this.banner);
    this.setSaveAll(0, false);
  }

  setSaveAll(count: number, paused: boolean): void {
    this.saveAll.textContent = `Save all on this page (${count})`;
    this.saveAll.disabled = paused || count === 0;
  }

  /** Shown when cards are on the page but no ad data could be captured for them. */
  setPaused(paused: boolean): void {
    this.banner.hidden = !paused;
    this.banner.textContent = paused
      ? "Magic Mango: this page changed; saving is paused. Reload the page; if it stays, update the extension."
      : "";
  }

  setBoards(boards: Board[], selected: string | null): void {
    const doc = this.boards.ownerDocument;
    const none = doc.createElement("option");
    none.value = "";
    none.textContent = "No board";
    const options = boards.map((board) => {
      const option = doc.createElement("option");
      option.value = board.id;
      option.textContent = board.name;
      return option;
    });
    this.boards.replaceChildren(none, ...options);
    this.boards.value = boards.some((b) => b.id === selected) ? (selected as string) : "";
    this.boards.hidden = boards.length === 0;
  }
}
