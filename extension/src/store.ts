/**
 * Typed access to `chrome.storage.local`, the only place extension state lives.
 *
 * The service worker is stopped after ~30 s idle, so nothing that matters is kept in
 * globals: settings, the save queue and the counters are all read from and written to
 * storage. Modules take a `KeyValueStore` so tests can pass an in-memory one with the
 * same semantics.
 */

import type { Creative } from "./payload";

/** The API of the local Ads API started by `make run`. */
export const DEFAULT_API_URL = "http://127.0.0.1:8081";

export interface Settings {
  apiUrl: string;
  token: string;
  /** Board new saves go to; null for none. */
  boardId: string | null;
}

export interface QueueItem {
  creative: Creative;
  /** When it was (re)queued; lets a send tell an updated item from the one it sent. */
  queuedAt: number;
  attempts: number;
  /** Epoch ms before which it is not sent again (backoff or Retry-After). */
  notBefore: number;
  lastError: string | null;
}

export interface Counters {
  /** Local date (YYYY-MM-DD) `savedToday` counts for. */
  day: string;
  savedToday: number;
  lastError: string | null;
  lastErrorAt: number | null;
}

/**
 * Saves the extension had to give up on because storage is bounded (see the budgets
 * below), counted for the popup and the badge until the user dismisses the notice.
 * The Library IDs themselves go to `failed`, so their buttons on the page say so.
 */
export interface NotKept {
  count: number;
  /** When the last one was given up on (epoch ms). */
  at: number | null;
  reason: string | null;
}

/** What has been accepted by the API, per Library ID (capped, newest kept). */
export type SavedMap = Record<string, { at: number; boardId: string | null }>;
/** Saves the API refused for good (400/413/422), per Library ID, with the reason. */
export type FailedMap = Record<string, string>;

export interface StoredState {
  settings: Settings;
  queue: QueueItem[];
  saved: SavedMap;
  failed: FailedMap;
  counters: Counters;
  notKept: NotKept;
}

export type StateKey = keyof StoredState;

/** The subset of `chrome.storage.StorageArea` this extension uses. */
export interface KeyValueStore {
  get(keys: string[]): Promise<Record<string, unknown>>;
  set(items: Record<string, unknown>): Promise<void>;
}

export function defaults(): StoredState {
  return {
    settings: { apiUrl: DEFAULT_API_URL, token: "", boardId: null },
    queue: [],
    saved: {},
    failed: {},
    counters: { day: "", savedToday: 0, lastError: null, lastErrorAt: null },
    notKept: { count: 0, at: null, reason: null },
  };
}

/** Reads some keys, falling back to defaults for those never written. */
export async function load<K extends StateKey>(
  store: KeyValueStore,
  keys: readonly K[],
): Promise<Pick<StoredState, K>> {
  const raw = await store.get([...keys]);
  const base = defaults();
  const out = {} as Pick<StoredState, K>;
  for (const key of keys) {
    const value = raw[key];
    out[key] = (value === undefined ? base[key] : value) as StoredState[K];
  }
  return out;
}

export async function save(store: KeyValueStore, items: Partial<StoredState>): Promise<void> {
  await store.set(items as Record<string, unknown>);
}

/*
 * Storage budgets. `chrome.storage.local` holds 10 MB (`QUOTA_BYTES`, Chrome 114+; 5 MB
 * on Chrome 111-113, which the manifest still allows), measured as the JSON of every
 * value plus every key's length; a write that would exceed it is rejected (see
 * `isQuotaError`) and changes nothing. The extension does not ask for
 * `unlimitedStorage` (one more permission shown to users); it bounds what it keeps:
 * the save queue to MAX_QUEUE_ITEMS and QUEUE_BUDGET_BYTES, the memories of saved and
 * failed Library IDs by count, and every stored error text by length: about 2.1 MB of
 * queue plus at most ~1.4 MB of memories in the worst case (typically ~0.5 MB), under
 * the smallest quota. Should the browser refuse a write all the same, the queue sheds
 * what it must by the same policy (see `background/queue.ts`).
 */

/** At most this many saves wait offline (a creative is 2-15 KB of JSON, ~4 KB typically). */
export const MAX_QUEUE_ITEMS = 500;
/** At most this many bytes of saves wait offline. */
export const QUEUE_BUDGET_BYTES = 2 * 1024 * 1024;
/** Remembered accepted saves (~60 bytes each); the oldest are forgotten first. */
export const MAX_SAVED_REMEMBERED = 5000;
/** Remembered refused or given-up saves; the oldest are forgotten first. */
export const MAX_FAILED_REMEMBERED = 1000;
/** Longest error text stored (an API's problem detail can be long). */
export const MAX_ERROR_CHARS = 300;

const encoder = new TextEncoder();

/** Bytes `chrome.storage` counts for a value: the UTF-8 length of its JSON. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

/**
 * Whether a rejected storage write failed on a quota. Chrome has said
 * "QUOTA_BYTES quota exceeded" and, more recently, "Resource::kQuotaBytes quota exceeded"
 * (likewise for `QUOTA_BYTES_PER_ITEM`); Firefox throws a `QuotaExceededError`.
 */
export function isQuotaError(error: unknown): boolean {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return /quota/i.test(message);
}

/** An error text short enough to store. */
export function clip(text: string, max = MAX_ERROR_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * An in-memory store with the semantics of `chrome.storage.local` (values are copied),
 * including its quota when given one: a write that would take the total (JSON of each
 * value plus the key's length) over `quotaBytes` is rejected and changes nothing.
 */
export class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, string>();
  readonly quotaBytes: number;

  constructor(options: { quotaBytes?: number } = {}) {
    this.quotaBytes = options.quotaBytes ?? Number.POSITIVE_INFINITY;
  }

  /** Bytes in use, as `chrome.storage.local.getBytesInUse()` counts them. */
  bytesInUse(): number {
    let total = 0;
    for (const [key, value] of this.data) total += key.length + encoder.encode(value).length;
    return total;
  }

  async get(keys: string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const value = this.data.get(key);
      if (value !== undefined) out[key] = JSON.parse(value);
    }
    return out;
  }

  async set(items: Record<string, unknown>): Promise<void> {
    const next = new Map(this.data);
    for (const [key, value] of Object.entries(items)) next.set(key, JSON.stringify(value));
    let total = 0;
    for (const [key, value] of next) total += key.length + encoder.encode(value).length;
    if (total > this.quotaBytes) throw new Error("Resource::kQuotaBytes quota exceeded");
    for (const [key, value] of next) this.data.set(key, value);
  }
}

/** The API base URL without a trailing slash, so paths can be appended. */
export function apiBase(apiUrl: string): string {
  return apiUrl.trim().replace(/\/+$/, "");
}
