/**
 * The persistent save queue of the service worker.
 *
 * Guarantees: a save is written to storage before it is acknowledged, stays there until
 * the API has accepted it (so a stopped service worker, a closed browser or an offline
 * API loses nothing), and is held once per Library ID (so nothing is sent twice; the
 * API is idempotent as a second line of defence). Failed sends back off exponentially
 * with jitter, or as long as the API's `Retry-After` says.
 *
 * Nothing is kept in memory across calls except a lock and a "drain running" flag,
 * which die with the service worker and need no recovery.
 */

import type { Sender } from "../api";
import type { Status } from "../messages";
import { MAX_BATCH } from "../payload";
import type { Creative } from "../payload";
import { load, save } from "../store";
import type { Counters, KeyValueStore, QueueItem, SavedMap } from "../store";

/** Keep the "already saved" memory bounded; the oldest entries go first. */
const MAX_SAVED_REMEMBERED = 5000;
/** Stay well under the Ads API's body limit; a 413 splits further. */
const MAX_BODY_BYTES = 512 * 1024;

export interface QueueOptions {
  store: KeyValueStore;
  send: Sender;
  now?: () => number;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
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
   * Queues saves; returns how many were queued. A creative already queued is replaced
   * (newer capture, maybe another board), one already saved to the same board is skipped.
   */
  enqueue(creatives: Creative[]): Promise<number> {
    return this.locked(async () => {
      const { queue, saved, failed } = await load(this.store, ["queue", "saved", "failed"]);
      const now = this.now();
      let queued = 0;
      for (const creative of creatives) {
        const done = saved[creative.library_id];
        const index = queue.findIndex((item) => item.creative.library_id === creative.library_id);
        if (index < 0 && done !== undefined && done.boardId === creative.board_id) continue;
        const item: QueueItem = { creative, queuedAt: now, attempts: 0, notBefore: 0, lastError: null };
        if (index >= 0) queue[index] = item;
        else queue.push(item);
        delete failed[creative.library_id];
        queued += 1;
      }
      if (queued > 0) await save(this.store, { queue, failed });
      return queued;
    });
  }

  /** Makes every queued item due now (the user pressed "Retry now"). */
  retryNow(): Promise<void> {
    return this.locked(async () => {
      const { queue } = await load(this.store, ["queue"]);
      for (const item of queue) item.notBefore = 0;
      await save(this.store, { queue });
    });
  }

  async status(): Promise<Status> {
    const { queue, counters } = await load(this.store, ["queue", "counters"]);
    const today = counters.day === localDay(this.now()) ? counters.savedToday : 0;
    return {
      savedToday: today,
      pending: queue.length,
      lastError: counters.lastError,
      lastErrorAt: counters.lastErrorAt,
    };
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
      const state = await load(this.store, ["queue", "saved", "failed", "counters"]);
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
        // Anything sent but missing from `accepted` is retried like a failure.
        for (const item of state.queue) {
          if (isSent(item)) this.deferItem(item, "not accepted by the Ads API", null);
        }
        counters.savedToday += count;
        if (count > 0) counters.lastError = null; // the API works again: stale errors mislead
        await save(this.store, { queue: state.queue, saved: trimSaved(state.saved), counters });
        return count;
      }
      if (result.kind === "retry") {
        for (const item of state.queue) {
          if (isSent(item)) this.deferItem(item, result.error, result.retryAfterMs);
        }
      } else {
        state.queue = state.queue.filter((item) => {
          if (!isSent(item)) return true;
          state.failed[item.creative.library_id] = result.error;
          return false;
        });
      }
      counters.lastError = result.error;
      counters.lastErrorAt = now;
      await save(this.store, { queue: state.queue, failed: state.failed, counters });
      return -1;
    });
  }

  private deferItem(item: QueueItem, error: string, retryAfterMs: number | null): void {
    item.attempts += 1;
    item.lastError = error;
    item.notBefore = this.now() + (retryAfterMs ?? this.backoffMs(item.attempts));
  }

  private today(counters: Counters, now: number): Counters {
    const day = localDay(now);
    return counters.day === day ? counters : { ...counters, day, savedToday: 0 };
  }
}

function trimSaved(saved: SavedMap): SavedMap {
  const entries = Object.entries(saved);
  if (entries.length <= MAX_SAVED_REMEMBERED) return saved;
  entries.sort((a, b) => b[1].at - a[1].at);
  return Object.fromEntries(entries.slice(0, MAX_SAVED_REMEMBERED));
}
