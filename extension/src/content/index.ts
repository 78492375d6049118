/**
 * Isolated-world content script: wires the page controller to the main-world capture
 * script (window messages), to the service worker (runtime messages) and to storage.
 */

import { WINDOW_TAG, isWindowMessage } from "../messages";
import type { BoardsAnswer, Request, SaveAnswer } from "../messages";
import type { Creative } from "../payload";
import { load, save } from "../store";
import { PageController } from "./controller";

const store = chrome.storage.local;

/** Async so that a synchronous throw (extension reloaded under the page) becomes a rejection. */
async function ask<T>(request: Request): Promise<T> {
  return (await chrome.runtime.sendMessage(request)) as T;
}

const controller = new PageController({
  doc: document,
  async save(creatives: Creative[]): Promise<number> {
    const answer = await ask<SaveAnswer & { error?: string }>({ type: "save", creatives });
    if (answer === undefined || answer.error !== undefined) throw new Error(answer?.error ?? "no answer");
    return answer.queued;
  },
  chooseBoard(boardId: string | null): void {
    void load(store, ["settings"])
      .then(({ settings }) => save(store, { settings: { ...settings, boardId } }))
      .catch(() => undefined); // only the choice is not remembered: this page's saves still carry it
  },
});

// Captured bodies may arrive before the body exists: ingest them right away.
window.addEventListener("message", (event: MessageEvent) => {
  if (event.source !== window || event.origin !== location.origin) return;
  if (!isWindowMessage(event.data) || event.data.kind === "replay") return;
  controller.ingest(event.data.body);
});
// Ask the main-world script for anything captured before we listened.
window.postMessage({ tag: WINDOW_TAG, kind: "replay" }, location.origin);

async function refreshProgress(): Promise<void> {
  controller.setProgress(await load(store, ["queue", "saved", "failed"]));
}

chrome.storage.onChanged.addListener((changes, area) => {
  if (area !== "local") return;
  if ("queue" in changes || "saved" in changes || "failed" in changes) void refreshProgress();
});

async function loadBoards(): Promise<void> {
  const [answer, { settings }] = await Promise.all([ask<BoardsAnswer>({ type: "boards" }), load(store, ["settings"])]);
  // No Backend API yet (404) or offline: the picker stays hidden and saves go to no board.
  if (answer?.ok === true) controller.setBoards(answer.boards, settings.boardId);
}

function start(): void {
  controller.start();
  void refreshProgress();
  void loadBoards().catch(() => undefined);
  // Wakes the service worker, which re-drains any queue left from earlier.
  void ask({ type: "status" }).catch(() => undefined);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
else start();
