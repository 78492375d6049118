/**
 * Cursor pagination: asks for the next page with the last `next_cursor`, never two pages
 * at once, drops items it already has (a creative saved while scrolling can shift pages),
 * and stops once the API says there is no next page. A failed page can be retried.
 *
 * Pages may carry more than items and a cursor (`relevance_window` of the creatives): the
 * second type parameter keeps their type, and `firstPage` / `lastPage` hold them.
 */
import type { Page } from "../api/types";

export type PageLoader<T, P extends Page<T> = Page<T>> = (cursor: string | null, signal: AbortSignal) => Promise<P>;

export type PagerState = "idle" | "loading" | "error" | "done";

export class CursorPager<T extends { id: string }, P extends Page<T> = Page<T>> {
  readonly items: T[] = [];
  state: PagerState = "idle";
  error: unknown = null;
  private first: P | null = null;
  private last: P | null = null;
  private cursor: string | null = null;
  private started = false;
  private readonly seen = new Set<string>();
  private readonly controller = new AbortController();

  constructor(private readonly load: PageLoader<T, P>) {}

  get done(): boolean {
    return this.state === "done";
  }

  get loading(): boolean {
    return this.state === "loading";
  }

  /** The first page loaded (null until one is): what the listing started with. */
  get firstPage(): P | null {
    return this.first;
  }

  /** The latest page loaded (null until one is). */
  get lastPage(): P | null {
    return this.last;
  }

  /** Loads the next page; resolves to the new items (empty when nothing was loaded). */
  async next(): Promise<T[]> {
    if (this.state === "loading" || this.state === "done") return [];
    if (this.started && this.cursor === null) {
      this.state = "done";
      return [];
    }
    this.state = "loading";
    this.error = null;
    try {
      const page = await this.load(this.cursor, this.controller.signal);
      this.started = true;
      this.first ??= page;
      this.last = page;
      const fresh = page.items.filter((item) => !this.seen.has(item.id));
      for (const item of fresh) {
        this.seen.add(item.id);
        this.items.push(item);
      }
      this.cursor = page.next_cursor;
      this.state = page.next_cursor ? "idle" : "done";
      return fresh;
    } catch (error) {
      if (this.controller.signal.aborted) {
        this.state = "done";
        return [];
      }
      this.state = "error";
      this.error = error;
      throw error;
    }
  }

  /** Stops any request in flight; the pager loads nothing more. */
  cancel(): void {
    this.controller.abort();
    this.state = "done";
  }

  /** Forgets an item (e.g. removed from the board being shown). */
  remove(id: string): void {
    const index = this.items.findIndex((item) => item.id === id);
    if (index >= 0) this.items.splice(index, 1);
  }
}
