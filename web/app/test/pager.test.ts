import { describe, expect, it, vi } from "vitest";
import type { Page } from "../src/api/types";
import { CursorPager } from "../src/lib/pager";

type Item = { id: string };
const items = (...ids: string[]): Item[] => ids.map((id) => ({ id }));

describe("CursorPager", () => {
  it("follows next_cursor until it is null, then stops asking", async () => {
    const pages: Record<string, Page<Item>> = {
      start: { items: items("a", "b"), next_cursor: "c1" },
      c1: { items: items("c", "d"), next_cursor: "c2" },
      c2: { items: items("e"), next_cursor: null },
    };
    const load = vi.fn(async (cursor: string | null) => pages[cursor ?? "start"]!);
    const pager = new CursorPager<Item>(load);
    expect((await pager.next()).map((i) => i.id)).toEqual(["a", "b"]);
    expect((await pager.next()).map((i) => i.id)).toEqual(["c", "d"]);
    expect(pager.done).toBe(false);
    expect((await pager.next()).map((i) => i.id)).toEqual(["e"]);
    expect(pager.done).toBe(true);
    expect(await pager.next()).toEqual([]);
    expect(load.mock.calls.map((c) => c[0])).toEqual([null, "c1", "c2"]);
    expect(pager.items.map((i) => i.id)).toEqual(["a", "b", "c", "d", "e"]);
  });

  it("never loads two pages at once", async () => {
    let release: (page: Page<Item>) => void = () => undefined;
    const load = vi.fn(() => new Promise<Page<Item>>((resolve) => (release = resolve)));
    const pager = new CursorPager<Item>(load);
    const first = pager.next();
    const second = pager.next();
    expect(await second).toEqual([]);
    release({ items: items("a"), next_cursor: "x" });
    expect((await first).map((i) => i.id)).toEqual(["a"]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("drops items it already has when pages shift", async () => {
    const load = vi
      .fn()
      .mockResolvedValueOnce({ items: items("a", "b"), next_cursor: "n" })
      .mockResolvedValueOnce({ items: items("b", "c"), next_cursor: null });
    const pager = new CursorPager<Item>(load);
    await pager.next();
    expect((await pager.next()).map((i) => i.id)).toEqual(["c"]);
    expect(pager.items.map((i) => i.id)).toEqual(["a", "b", "c"]);
  });

  it("keeps the cursor after a failure so the same page can be retried", async () => {
    const load = vi
      .fn()
      .mockResolvedValueOnce({ items: items("a"), next_cursor: "n1" })
      .mockRejectedValueOnce(new Error("503"))
      .mockResolvedValueOnce({ items: items("b"), next_cursor: null });
    const pager = new CursorPager<Item>(load);
    await pager.next();
    await expect(pager.next()).rejects.toThrow("503");
    expect(pager.state).toBe("error");
    expect((await pager.next()).map((i) => i.id)).toEqual(["b"]);
    expect(load.mock.calls.map((c) => c[0])).toEqual([null, "n1", "n1"]);
  });

  it("exposes the first and the latest page, with their extra fields", async () => {
    type Windowed = Page<Item> & { relevance_window: number | null };
    const load = vi
      .fn<(cursor: string | null) => Promise<Windowed>>()
      .mockResolvedValueOnce({ items: items("a"), next_cursor: "n", relevance_window: 2000 })
      .mockResolvedValueOnce({ items: items("b"), next_cursor: null, relevance_window: null });
    const pager = new CursorPager<Item, Windowed>(load);
    expect(pager.firstPage).toBeNull();
    expect(pager.lastPage).toBeNull();
    await pager.next();
    expect(pager.firstPage?.relevance_window).toBe(2000);
    expect(pager.lastPage?.relevance_window).toBe(2000);
    await pager.next();
    expect(pager.firstPage?.relevance_window).toBe(2000);
    expect(pager.lastPage?.relevance_window).toBeNull();
  });

  it("keeps no page from a failed load", async () => {
    const pager = new CursorPager<Item>(vi.fn().mockRejectedValueOnce(new Error("503")));
    await expect(pager.next()).rejects.toThrow("503");
    expect(pager.firstPage).toBeNull();
    expect(pager.lastPage).toBeNull();
  });

  it("an empty first page is done", async () => {
    const pager = new CursorPager<Item>(async () => ({ items: [], next_cursor: null }));
    expect(await pager.next()).toEqual([]);
    expect(pager.done).toBe(true);
    expect(pager.items).toEqual([]);
  });

  it("cancel aborts the request in flight and loads nothing more", async () => {
    let seen: AbortSignal | null = null;
    const pager = new CursorPager<Item>((_cursor, signal) => {
      seen = signal;
      return new Promise((_resolve, reject) => signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    });
    const pending = pager.next();
    pager.cancel();
    expect(await pending).toEqual([]);
    expect(seen!.aborted).toBe(true);
    expect(pager.done).toBe(true);
  });
});
