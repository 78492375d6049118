/**
 * The persistent save queue of the service worker.
 *
 * Guarantees: a save is written to storage before it is acknowledged, stays there until
 * the API has accepted it (so a stopped service worker, a closed browser or an offline
 * API loses nothing), and is held once per Library ID (so nothing is sent twice; the
 * API is idempotent as a second line of defence). Failed sends back off exponentially
 * with jitter, or as long as the API's `Retry-After` says.
 *
 * Storage is bounded (`chrome.storage.local` has a quota; see the budgets in
 * `../store`): at most `maxItems` saves and `budgetBytes` bytes wait offline. Past
 * that, the newest saves are kept and the oldest given up on, never silently: each
 * one given up on is marked failed with `NOT_KEPT_REASON` (its button on the page says
 * so and offers to save again), and counted in `notKept` for the popup and the badge.
 * A write the browser still rejects on its quota is retried with the remembered
 * history halved, then with the queue halved too (same policy); if even an empty queue
 * cannot be written, the new saves are refused with a `StorageFullError` (the page shows
 * it) and counted in memory.
 *
 * Nothing is kept in memory across calls except a lock, a "drain running" flag and
 * that last-resort count, which die with the service worker and need no recovery.
 */

import type { Sender } from "../api";
import type { Status } from "../messages";
import { MAX_BATCH } from "../payload";
import type { Creative } from "../payload";
import {
  MAX_FAILED_REMEMBERED,
  MAX_QUEUE_ITEMS,
  MAX_SAVED_REMEMBERED,
  QUEUE_BUDGET_BYTES,
  clip,
  isQuotaError,
  jsonBytes,
  load,
  save,
} from "../store";
import type { Counters, FailedMap, KeyValueStore, NotKept, QueueItem, SavedMap, StoredState } from "../store";

/** Stay well under the Ads API's body limit; a 413 splits further. */
const MAX_BODY_BYTES = 512 * 1024;

/** Why a save was given up on; shown on its button and, counted, in the popup. */
export const NOT_KEPT_REASON =
  "Not kept offline: the extension's offline storage was full. Open the page again once the Ads API is reachable and save it again.";

/** The browser refused to store even an empty queue: the new saves could not be kept. */
export class StorageFullError extends Error {
  override readonly name = "StorageFullError";
}

/**
 * Which saves fit the budgets: walks from the newest (latest `queuedAt`, later position
 * on a tie) to the oldest, keeping each one that still fits. Kept items stay in queue order.
 */
export function fitQueue(
  queue: QueueItem[],
  maxItems: number,
  budgetBytes: number,
): { kept: QueueItem[]; evicted: QueueItem[]; bytes: number } {
  const newestFirst = queue
    .map((item, index) => ({ item, index }))
    .sort((a, b) => b.item.queuedAt - a.item.queuedAt || b.index - a.index);
  const keep = new Set<number>();
  let bytes = 2; // "[]"
  for (const { item, index } of newestFirst) {
    if (keep.size >= maxItems) break;
    const size = jsonBytes(item) + 1; // and its comma
    if (bytes + size > budgetBytes) continue;
    keep.add(index);
    bytes += size;
  }
  return {
    kept: queue.filter((_, i) => keep.has(i)),
    evicted: queue.filter((_, i) => !keep.has(i)),
    bytes,
  };
}

/** What a queue write stores: the queue and what must change with it, atomically. */
interface QueueState {
  queue: QueueItem[];
  failed: FailedMap;
  notKept: NotKept;
  saved?: SavedMap;
  counters?: Counters;
}

export interface QueueOptions {
  store: KeyValueStore;
  send: Sender;
  now?: () => number;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Most saves kept waiting offline (default `MAX_QUEUE_ITEMS`). */
  maxItems?: number;
  /** Most bytes of saves kept waiting offline (default `QUEUE_BUDGET_BYTES`). */
  budgetBytes?: number;
}

export interface DrainResult {
  sent: number;
  /** Milliseconds until the next item is due, or null when the queue is empty. */
  nextAttemptIn: number | null;
}

/** Local calendar day, which is what "saved today" means to the user. */
export function localDay(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export class SaveQueue {
  private readonly store: KeyValueStore;
  private readonly send: Sender;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly maxItems: number;
  private readonly budgetBytes: number;
  /** Saves refused when not even the `notKept` count could be stored (storage full). */
  private unrecorded = 0;
  private lock: Promise<unknown> = Promise.resolve();
  private draining = false;
  private drainAgain = false;

  constructor(options: QueueOptions) {
    this.store = options.store;
    this.send = options.send;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.maxItems = options.maxItems ?? MAX_QUEUE_ITEMS;
    this.budgetBytes = options.budgetBytes ?? QUEUE_BUDGET_BYTES;
  }

  /** Runs read-modify-write sections of storage one at a time. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** Exponential backoff with jitter (between half and all of the doubled delay). */
  backoffMs(attempts: number): number {
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(ceiling * (0.5 + this.random() * 0.5));
  }

  /**
   * Queues saves; returns how many were queued and kept. A creative already queued is
   * replaced (newer capture, maybe another board), one already saved to the same board is
   * skipped. Over the budgets the oldest saves make room (see `fitQueue`); rejects with a
   * `StorageFullError` when the browser cannot store any of them.
   */
  enqueue(creatives: Creative[]): Promise<number> {
    return this.locked(async () => {
      const state = await load(this.store, ["queue", "saved", "failed", "notKept"]);
      const { queue, saved, failed } = state;
      const now = this.now();
      const added = new Set<string>();
      for (const creative of creatives) {
        const done = saved[creative.library_id];
        const index = queue.findIndex((item) => item.creative.library_id === creative.library_id);
        if (index < 0 && done !== undefined && done.boardId === creative.board_id) continue;
        const item: QueueItem = { creative, queuedAt: now, attempts: 0, notBefore: 0, lastError: null };
        if (index >= 0) queue[index] = item;
        else queue.push(item);
        delete failed[creative.library_id];
        added.add(creative.library_id);
      }
      if (added.size === 0) return 0;
      try {
        const evicted = await this.write({ queue, failed, notKept: state.notKept });
        return added.size - evicted.filter((item) => added.has(item.creative.library_id)).length;
      } catch (error) {
        if (error instanceof StorageFullError) await this.countNotKept(added.size);
        throw error;
      }
    });
  }

  /** Makes every queued item due now (the user pressed "Retry now"). */
  retryNow(): Promise<void> {
    return this.locked(async () => {
      const state = await load(this.store, ["queue", "failed", "notKept"]);
      for (const item of state.queue) item.notBefore = 0;
      await this.write(state);
    });
  }

  /** The user has read the "not kept offline" notice (popup): clears it and the badge. */
  dismissNotKept(): Promise<void> {
    return this.locked(async () => {
      this.unrecorded = 0;
      await save(this.store, { notKept: { count: 0, at: null, reason: null } });
    });
  }

  async status(): Promise<Status> {
    const { queue, counters, notKept } = await load(this.store, ["queue", "counters", "notKept"]);
    const today = counters.day === localDay(this.now()) ? counters.savedToday : 0;
    return {
      savedToday: today,
      pending: queue.length,
      lastError: counters.lastError,
      lastErrorAt: counters.lastErrorAt,
      notKept: notKept.count + this.unrecorded,
      notKeptAt: notKept.at,
    };
  }

  /**
   * Writes the queue and what goes with it, within the budgets: saves that do not fit are
   * given up on visibly (marked failed, counted). When the browser still rejects the
   * write on its quota, tries again with the saved/failed memories halved, then with
   * the queue's budgets halved as well, down to an empty queue. Returns the items given
   * up on and updates `state` to what was stored.
   */
  private async write(state: QueueState): Promise<QueueItem[]> {
    let maxItems = this.maxItems;
    let budgetBytes = this.budgetBytes;
    let maxSaved = MAX_SAVED_REMEMBERED;
    let maxFailed = MAX_FAILED_REMEMBERED;
    for (let attempt = 0; ; attempt++) {
      const { kept, evicted, bytes } = fitQueue(state.queue, maxItems, budgetBytes);
      const failed = { ...state.failed };
      for (const item of evicted) {
        delete failed[item.creative.library_id]; // re-inserted last: the newest entry
        failed[item.creative.library_id] = NOT_KEPT_REASON;
      }
      const notKept: NotKept =
        evicted.length === 0
          ? state.notKept
          : { count: state.notKept.count + evicted.length, at: this.now(), reason: NOT_KEPT_REASON };
      const items: Partial<StoredState> = { queue: kept, failed: trimFailed(failed, maxFailed), notKept };
      if (state.saved !== undefined) items.saved = trimSaved(state.saved, maxSaved);
      if (state.counters !== undefined) items.counters = state.counters;
      try {
        await save(this.store, items);
      } catch (error) {
        if (!isQuotaError(error)) throw error;
        if (kept.length === 0 && attempt > 0) {
          throw new StorageFullError(
            "Not kept: the browser's storage for the extension is full, so this save could not be kept offline. " +
              "Open the page again once the Ads API is reachable and save it again.",
          );
        }
        // Forget history first; from the second refusal on, pending saves too (newest kept).
        if (state.saved === undefined) state.saved = (await load(this.store, ["saved"])).saved;
        maxSaved = Math.floor(maxSaved / 2);
        maxFailed = Math.floor(maxFailed / 2);
        if (attempt > 0) {
          maxItems = Math.floor(kept.length / 2);
          budgetBytes = bytes;
        }
        continue;
      }
      Object.assign(state, items);
      return evicted;
    }
  }

  /** Counts saves that could not be stored at all, in storage if it still takes a small write. */
  private async countNotKept(count: number): Promise<void> {
    try {
      const { notKept } = await load(this.store, ["notKept"]);
      await save(this.store, {
        notKept: { count: notKept.count + count, at: this.now(), reason: "the browser's storage for the extension is full" },
      });
    } catch {
      this.unrecorded += count;
    }
  }

  /**
   * Sends every due item, batch by batch, until none is due or a send fails. Safe to call
   * at any time and as often as wanted: a call during a running drain makes that drain
   * look once more instead of starting a second one.
   */
  async drain(): Promise<DrainResult> {
    if (this.draining) {
      this.drainAgain = true;
      return { sent: 0, nextAttemptIn: null };
    }
    this.draining = true;
    let sent = 0;
    try {
      for (;;) {
        this.drainAgain = false;
        const { settings, queue } = await load(this.store, ["settings", "queue"]);
        const batch = this.dueBatch(queue);
        if (batch.length === 0) {
          if (this.drainAgain) continue;
          return { sent, nextAttemptIn: this.nextDue(queue) };
        }
        const ok = await this.sendBatch(settings.apiUrl, settings.token, batch);
        if (ok < 0) {
          const { queue: left } = await load(this.store, ["queue"]);
          return { sent, nextAttemptIn: this.nextDue(left) };
        }
        sent += ok;
      }
    } finally {
      this.draining = false;
    }
  }

  private dueBatch(queue: QueueItem[]): QueueItem[] {
    const now = this.now();
    const batch: QueueItem[] = [];
    let bytes = 0;
    for (const item of queue) {
      if (item.notBefore > now) continue;
      const size = JSON.stringify(item.creative).length;
      if (batch.length > 0 && bytes + size > MAX_BODY_BYTES) break;
      batch.push(item);
      bytes += size;
      if (batch.length >= MAX_BATCH) break;
    }
    return batch;
  }

  private nextDue(queue: QueueItem[]): number | null {
    if (queue.length === 0) return null;
    const soonest = Math.min(...queue.map((item) => item.notBefore));
    return Math.max(0, soonest - this.now());
  }

  /** Sends one batch and records the outcome; returns how many were accepted, -1 on failure. */
  private async sendBatch(apiUrl: string, token: string, batch: QueueItem[]): Promise<number> {
    const result = await this.send(
      apiUrl,
      token,
      batch.map((item) => item.creative),
    );
    if (result.kind === "too_large" && batch.length > 1) {
      // Halve and go again; a single creative too large for the API is a rejection.
      const half = Math.ceil(batch.length / 2);
      const first = await this.sendBatch(apiUrl, token, batch.slice(0, half));
      if (first < 0) return first;
      const second = await this.sendBatch(apiUrl, token, batch.slice(half));
      return second < 0 ? second : first + second;
    }
    return this.locked(async () => {
      const state = await load(this.store, ["queue", "saved", "failed", "counters", "notKept"]);
      const now = this.now();
      // Only items unchanged since they were read: a save re-queued meanwhile stays queued.
      const sentAt = new Map(batch.map((item) => [item.creative.library_id, item.queuedAt]));
      const isSent = (item: QueueItem): boolean => sentAt.get(item.creative.library_id) === item.queuedAt;
      const counters = this.today(state.counters, now);
      if (result.kind === "accepted") {
        const accepted = new Set(result.ids);
        let count = 0;
        state.queue = state.queue.filter((item) => {
          if (!isSent(item) || !accepted.has(item.creative.library_id)) return true;
          state.saved[item.creative.library_id] = { at: now, boardId: item.creative.board_id };
          count += 1;
          return false;
        });
        // Given up on (storage budget) while in flight, yet accepted: saved after all.
        for (const item of batch) {
          const id = item.creative.library_id;
          if (accepted.has(id) && state.failed[id] === NOT_KEPT_REASON) {
            delete state.failed[id];
            state.saved[id] = { at: now, boardId: item.creative.board_id };
            count += 1;
          }
        }
        // Anything sent but missing from `accepted` is retried like a failure.
        for (const item of state.queue) {
          if (isSent(item)) this.deferItem(item, "not accepted by the Ads API", null);
        }
        counters.savedToday += count;
        if (count > 0) counters.lastError = null; // the API works again: stale errors mislead
        await this.write({ ...state, counters });
        return count;
      }
      if (result.kind === "retry") {
        for (const item of state.queue) {
          if (isSent(item)) this.deferItem(item, result.error, result.retryAfterMs);
        }
      } else {
        state.queue = state.queue.filter((item) => {
          if (!isSent(item)) return true;
          state.failed[item.creative.library_id] = clip(result.error);
          return false;
        });
      }
      counters.lastError = clip(result.error);
      counters.lastErrorAt = now;
      await this.write({ ...state, counters });
      return -1;
    });
  }

  private deferItem(item: QueueItem, error: string, retryAfterMs: number | null): void {
    item.attempts += 1;
    item.lastError = clip(error);
    item.notBefore = this.now() + (retryAfterMs ?? this.backoffMs(item.attempts));
  }

  private today(counters: Counters, now: number): Counters {
    const day = localDay(now);
    return counters.day === day ? counters : { ...counters, day, savedToday: 0 };
  }
}

function trimSaved(saved: SavedMap, max: number): SavedMap {
  const entries = Object.entries(saved);
  if (entries.length <= max) return saved;
  entries.sort((a, b) => b[1].at - a[1].at);
  return Object.fromEntries(entries.slice(0, max));
}

/** Keeps the `max` newest entries (Library IDs are not array indices: insertion order holds). */
function trimFailed(failed: FailedMap, max: number): FailedMap {
  const entries = Object.entries(failed);
  return entries.length <= max ? failed : Object.fromEntries(entries.slice(entries.length - max));
}
