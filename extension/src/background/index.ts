/**
 * The service worker: receives saves, keeps them in the persistent queue, sends them.
 *
 * Chrome stops it after ~30 s idle and `chrome.alarms` is outside the minimal permission
 * set, so retries use `setTimeout` while the worker lives, and every start of the worker
 * and every message re-drains the queue: a retry missed while it was stopped happens
 * at the next page visit, popup opening or browser start. All state is in storage.
 */

import { listBoards, sendCreatives } from "../api";
import type { BoardsAnswer, Request, SaveAnswer, Status } from "../messages";
import { load } from "../store";
import { SaveQueue } from "./queue";

const store = chrome.storage.local;
const queue = new SaveQueue({ store, send: sendCreatives });
let timer: ReturnType<typeof setTimeout> | undefined;

/** Drains now and schedules the next attempt while the worker is alive. */
async function pump(): Promise<void> {
  clearTimeout(timer);
  const result = await queue.drain();
  if (result.nextAttemptIn !== null) {
    timer = setTimeout(() => void pump(), Math.max(250, result.nextAttemptIn));
  }
}

async function handle(request: Request): Promise<SaveAnswer | Status | BoardsAnswer | null> {
  switch (request.type) {
    case "save": {
      const queued = await queue.enqueue(request.creatives);
      void pump();
      return { queued };
    }
    case "status":
      void pump();
      return queue.status();
    case "retry":
      await queue.retryNow();
      void pump();
      return queue.status();
    case "boards": {
      const { settings } = await load(store, ["settings"]);
      const answer = await listBoards(settings.apiUrl, settings.token);
      return answer.ok ? { ok: true, boards: answer.value } : answer;
    }
  }
}

chrome.runtime.onMessage.addListener((request: Request, _sender, sendResponse) => {
  handle(request).then(sendResponse, (error: unknown) => sendResponse({ error: String(error) }));
  return true; // answer asynchronously
});

chrome.runtime.onStartup.addListener(() => void pump());
chrome.runtime.onInstalled.addListener(() => void pump());
// A settings change (new URL or token) is a reason to try again at once.
chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && "settings" in changes) void queue.retryNow().then(pump);
});
void pump();
