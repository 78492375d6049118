/**
 * The isolated content script's logic, free of `chrome.*` so jsdom tests can drive it.
 *
 * It collects creatives from what the main-world script captured, keeps a Save button
 * on every result card (re-adding it after React re-renders and for cards added by
 * infinite scroll), mirrors each save's progress from storage, and pauses saving
 * visibly when cards are shown but none of them has captured data.
 */

import { creativesFromResponseText } from "../normalize";
import type { Board, Creative } from "../payload";
import type { FailedMap, QueueItem, SavedMap } from "../store";
import { findCards } from "./anchor";
import type { AnchoredCard } from "./anchor";
import { HOST_ATTR, SaveButton, Toolbar } from "./ui";
import type { ButtonState } from "./ui";

/** How long after start cards may lack data before the page counts as changed. */
export const PAUSE_GRACE_MS = 3000;
/** Coalesces bursts of DOM mutations (React commits many at once) into one scan. */
const SCAN_DEBOUNCE_MS = 50;

/** What the controller needs from the extension around it. */
export interface ControllerDeps {
  doc: Document;
  /** Queues saves in the service worker, resolving to how many it queued; rejects when it cannot be reached. */
  save(creatives: Creative[]): Promise<number>;
  /** Stores the chosen board. */
  chooseBoard(boardId: string | null): void;
  now?: () => number;
}

/** The parts of storage the buttons reflect. */
export interface SaveProgress {
  queue: QueueItem[];
  saved: SavedMap;
  failed: FailedMap;
}

export class PageController {
  readonly creatives = new Map<string, Creative>();
  readonly buttons = new Map<string, SaveButton>();
  private readonly deps: ControllerDeps;
  private readonly doc: Document;
  private readonly now: () => number;
  private readonly startedAt: number;
  private readonly clicked = new Map<string, "saving" | "failed">();
  /** Why the service worker refused a click's save (e.g. storage full), for the button's title. */
  private readonly clickErrors = new Map<string, string>();
  private progress: SaveProgress = { queue: [], saved: {}, failed: {} };
  private cards: AnchoredCard[] = [];
  private toolbar: Toolbar | null = null;
  private observer: MutationObserver | null = null;
  private scanTimer: ReturnType<typeof setTimeout> | undefined;
  private boardId: string | null = null;
  paused = false;

  constructor(deps: ControllerDeps) {
    this.deps = deps;
    this.doc = deps.doc;
    this.now = deps.now ?? Date.now;
    this.startedAt = this.now();
  }

  /** Starts watching the page; call once the body exists. */
  start(): void {
    const body = this.doc.body;
    this.toolbar = new Toolbar(
      this.doc,
      () => void this.saveAll(),
      (boardId) => {
        this.boardId = boardId;
        this.deps.chooseBoard(boardId);
      },
    );
    this.doc.documentElement.append(this.toolbar.host);
    this.observer = new MutationObserver((mutations) => {
      // Our own insertions would otherwise trigger endless rescans.
      if (mutations.every((m) => isOurs(m.target) || [...m.addedNodes].every(isOurs))) return;
      this.scheduleScan();
    });
    this.observer.observe(body, { childList: true, subtree: true, characterData: true });
    this.scan();
    // Re-check once the grace period is over, even if the page stays still.
    setTimeout(() => this.scan(), PAUSE_GRACE_MS + 10);
  }

  stop(): void {
    this.observer?.disconnect();
    clearTimeout(this.scanTimer);
  }

  /** Takes a captured response body (GraphQL or embedded JSON). */
  ingest(body: string): number {
    const found = creativesFromResponseText(body, { pageUrl: this.doc.location?.href ?? null, capturedAt: this.now() });
    for (const creative of found) this.creatives.set(creative.library_id, creative);
    if (found.length > 0) this.scheduleScan();
    return found.length;
  }

  setProgress(progress: SaveProgress): void {
    this.progress = progress;
    for (const id of [...this.clicked.keys()]) {
      const inQueue = progress.queue.some((item) => item.creative.library_id === id);
      if (inQueue || id in progress.saved || id in progress.failed) this.clicked.delete(id);
    }
    this.refresh();
  }

  setBoards(boards: Board[], selected: string | null): void {
    this.boardId = boards.some((b) => b.id === selected) ? selected : null;
    this.toolbar?.setBoards(boards, this.boardId);
  }

  scheduleScan(): void {
    clearTimeout(this.scanTimer);
    this.scanTimer = setTimeout(() => this.scan(), SCAN_DEBOUNCE_MS);
  }

  /** Finds the cards and makes sure each has its button, in the right card. */
  scan(): void {
    const body = this.doc.body;
    if (body === null) return;
    this.cards = findCards(body);
    const present = new Set<string>();
    for (const { libraryId, element } of this.cards) {
      present.add(libraryId);
      let button = this.buttons.get(libraryId);
      if (button === undefined) {
        button = new SaveButton(this.doc, libraryId, (id) => void this.saveOne(id));
        this.buttons.set(libraryId, button);
      }
      // A re-render may have dropped our node or reused the card for another ad.
      if (button.host.parentElement !== element) element.insertBefore(button.host, element.firstChild);
    }
    for (const [libraryId, button] of this.buttons) {
      if (!present.has(libraryId)) {
        button.host.remove();
        this.buttons.delete(libraryId);
      }
    }
    const sinceStart = this.now() - this.startedAt;
    this.paused =
      this.cards.length > 0 && sinceStart >= PAUSE_GRACE_MS && this.cards.every((c) => !this.creatives.has(c.libraryId));
    this.refresh();
  }

  stateOf(libraryId: string): [ButtonState, string] {
    if (this.paused) return ["paused", "Saving is paused: no ad data captured on this page"];
    if (!this.creatives.has(libraryId)) return ["unavailable", "No ad data was captured for this card"];
    const clicked = this.clicked.get(libraryId);
    if (clicked === "failed") return ["failed", this.clickErrors.get(libraryId) ?? "The extension could not queue this save"];
    if (clicked === "saving") return ["saving", ""];
    const queued = this.progress.queue.find((item) => item.creative.library_id === libraryId);
    if (queued !== undefined) return ["saving", queued.lastError === null ? "" : `Retrying: ${queued.lastError}`];
    const failed = this.progress.failed[libraryId];
    if (failed !== undefined) return ["failed", failed];
    if (libraryId in this.progress.saved) return ["saved", ""];
    return ["save", ""];
  }

  private refresh(): void {
    let saveable = 0;
    for (const [libraryId, button] of this.buttons) {
      const [state, title] = this.stateOf(libraryId);
      if (button.state !== state || title !== "") button.setState(state, title);
      if (state === "save" || state === "failed") saveable += 1;
    }
    this.toolbar?.setPaused(this.paused);
    this.toolbar?.setSaveAll(saveable, this.paused);
  }

  async saveOne(libraryId: string): Promise<void> {
    await this.send([libraryId]);
  }

  /** Saves every card on the page that is not saved or being saved yet. */
  async saveAll(): Promise<void> {
    const ids = [...this.buttons.keys()].filter((id) => {
      const [state] = this.stateOf(id);
      return state === "save" || state === "failed";
    });
    await this.send(ids);
  }

  private async send(ids: string[]): Promise<void> {
    const creatives = ids
      .map((id) => this.creatives.get(id))
      .filter((c): c is Creative => c !== undefined)
      .map((c) => ({ ...c, board_id: this.boardId }));
    if (this.paused || creatives.length === 0) return;
    for (const c of creatives) {
      this.clicked.set(c.library_id, "saving");
      this.clickErrors.delete(c.library_id);
    }
    this.refresh();
    try {
      const queued = await this.deps.save(creatives);
      // Nothing queued (already saved meanwhile): storage will not change, so stop waiting for it.
      if (queued === 0) for (const c of creatives) this.clicked.delete(c.library_id);
      this.refresh();
    } catch (error) {
      const reason = error instanceof Error && error.message !== "" ? error.message : null;
      for (const c of creatives) {
        this.clicked.set(c.library_id, "failed");
        if (reason !== null) this.clickErrors.set(c.library_id, reason);
      }
      this.refresh();
    }
  }
}

function isOurs(node: Node): boolean {
  return node instanceof Element && node.hasAttribute(HOST_ATTR);
}
