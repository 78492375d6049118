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

/** An in-memory store with the semantics of `chrome.storage.local` (values are copied). */
export class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, string>();

  async get(keys: string[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const key of keys) {
      const value = this.data.get(key);
      if (value !== undefined) out[key] = JSON.parse(value);
    }
    return out;
  }

  async set(items: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(items)) this.data.set(key, JSON.stringify(value));
  }
}

/** The API base URL without a trailing slash, so paths can be appended. */
export function apiBase(apiUrl: string): string {
  return apiUrl.trim().replace(/\/+$/, "");
}
