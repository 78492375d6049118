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
import { badgeFor } from "../notice";
import { load } from "../store";
import { SaveQueue } from "./queue";

const store = chrome.storage.local;
const queue = new SaveQueue({ store, send: sendCreatives });
let timer: ReturnType<typeof setTimeout> | undefined;
/** When a drain itself fails (storage refusing writes), look again after this long. */
const DRAIN_FAILURE_RETRY_MS = 30_000;

/** Drains now and schedules the next attempt while the worker is alive. */
async function pump(): Promise<void> {
  clearTimeout(timer);
  let next: number | null;
  try {
    next = (await queue.drain()).nextAttemptIn;
  } catch (error) {
    // Storage refused to record an outcome: nothing was lost (the queue is as it was);
    // keep the worker going and try again later.
    console.warn("Magic Mango: drain failed", error);
    next = DRAIN_FAILURE_RETRY_MS;
    void refreshBadge();
  }
  if (next !== null) timer = setTimeout(() => void pump(), Math.max(250, next));
}

/** Shows on the toolbar icon how many saves could not be kept offline. */
async function refreshBadge(): Promise<void> {
  try {
    const badge = badgeFor(await queue.status());
    await chrome.action.setBadgeText({ text: badge.text });
    await chrome.action.setBadgeBackgroundColor({ color: badge.color });
    await chrome.action.setTitle({ title: badge.title });
  } catch (error) {
    console.warn("Magic Mango: badge not updated", error);
  }
}

async function handle(request: Request): Promise<SaveAnswer | Status | BoardsAnswer | null> {
  switch (request.type) {
    case "save": {
      try {
        const queued = await queue.enqueue(request.creatives);
        void pump();
        return { queued };
      } finally {
        void refreshBadge();
      }
    }
    case "status":
      void pump();
      return queue.status();
    case "retry":
      await queue.retryNow();
      void pump();
      return queue.status();
    case "dismiss":
      await queue.dismissNotKept();
      void refreshBadge();
      return queue.status();
    case "boards": {
      const { settings } = await load(store, ["settings"]);
      const answer = await listBoards(settings.apiUrl, settings.token);
      return answer.ok ? { ok: true, boards: answer.value } : answer;
    }
  }
}

chrome.runtime.onMessage.addListener((request: Request, _sender, sendResponse) => {
  handle(request).then(sendResponse, (error: unknown) =>
    sendResponse({ error: error instanceof Error ? error.message : String(error) }),
  );
  return true; // answer asynchronously
});

chrome.runtime.onStartup.addListener(() => void pump());
chrome.runtime.onInstalled.addListener(() => void pump());
chrome.storage.onChanged.addListener((changes, area) => {
  if (area !== "local") return;
  // A settings change (new URL or token) is a reason to try again at once.
  if ("settings" in changes) void queue.retryNow().then(pump, () => undefined);
  if ("notKept" in changes) void refreshBadge();
});
void pump();
void refreshBadge();
