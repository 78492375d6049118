/** What the pages share: the API client, the signed-in user and the selected creatives. */
import { ApiClient } from "./api/client";
import type { Board, User } from "./api/types";
import { API_BASE } from "./config";

export const api = new ApiClient({ baseUrl: API_BASE });

export const session: { user: User | null } = { user: null };

/**
 * The creatives picked in the library (for boards and content), kept in sessionStorage so
 * that opening a creative and coming back keeps the selection.
 */
export class Selection {
  private readonly ids: Set<string>;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly storage: Storage | null, private readonly key = "mango.selection") {
    let initial: string[] = [];
    try {
      const raw = storage?.getItem(key);
      const parsed: unknown = raw ? JSON.parse(raw) : [];
      if (Array.isArray(parsed)) initial = parsed.filter((v): v is string => typeof v === "string");
    } catch {
      initial = [];
    }
    this.ids = new Set(initial);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  get size(): number {
    return this.ids.size;
  }

  list(): string[] {
    return [...this.ids];
  }

  toggle(id: string, on = !this.ids.has(id)): void {
    if (on) this.ids.add(id);
    else this.ids.delete(id);
    this.changed();
  }

  set(ids: string[]): void {
    this.ids.clear();
    for (const id of ids) this.ids.add(id);
    this.changed();
  }

  clear(): void {
    this.ids.clear();
    this.changed();
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    try {
      this.storage?.setItem(this.key, JSON.stringify([...this.ids]));
    } catch {
      // storage full or disabled: the selection still works for this page
    }
    for (const listener of this.listeners) listener();
  }
}

export const selection = new Selection(typeof sessionStorage === "undefined" ? null : sessionStorage);

let boardsCache: Promise<Board[]> | null = null;

/** The user's boards, fetched once and shared until something changes them. */
export function boards(refresh = false): Promise<Board[]> {
  if (refresh || !boardsCache) {
    boardsCache = api.listBoards();
    boardsCache.catch(() => {
      boardsCache = null;
    });
  }
  return boardsCache;
}

export function invalidateBoards(): void {
  boardsCache = null;
}
