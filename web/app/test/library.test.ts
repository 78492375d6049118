import { afterEach, describe, expect, it, vi } from "vitest";
import { parseHash } from "../src/lib/router";
import { fakeFetch, type Recorded } from "./helpers";

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
  document.body.replaceChildren();
  sessionStorage.clear();
});

function creative(i: number) {
  return {
    id: `c${i}`, source: "facebook", library_id: `9000000000000${i}`, page_id: "1", page_name: "Acme", display_format: "IMAGE",
    platforms: ["facebook"], is_active: true, start_date: null, end_date: null, days_running: 3, versions: 1, title: `Ad ${i}`,
    body: "Body", cta_text: null, link_url: null, saved_at: "2025-03-01T12:00:00Z", tags: [], note: null, board_ids: [], thumbnail_url: null,
  };
}

async function renderLibrary(hash: string, creatives: (req: Recorded) => { status?: number; body?: unknown }) {
  const fake = fakeFetch((req) => {
    if (req.url.startsWith("/api/v1/boards")) return { body: { boards: [{ id: "b1", name: "Hooks", created_at: "", creative_count: 0 }] } };
    if (req.url.startsWith("/api/v1/tags")) return { body: { tags: [{ tag: "ugc", count: 2 }] } };
    return creatives(req);
  });
  vi.stubGlobal("fetch", fake.fetch);
  const { libraryPage } = await import("../src/pages/library");
  const main = document.createElement("main");
  document.body.append(main);
  const cleanup = libraryPage(main, parseHash(hash));
  return { main, calls: fake.calls, cleanup };
}

const creativeCalls = (calls: Recorded[]) => calls.filter((c) => c.url.startsWith("/api/v1/creatives"));

describe("library page", () => {
  it("explains how to start when the library is empty", async () => {
    const page = await renderLibrary("#/library", () => ({ body: { items: [], next_cursor: null } }));
    await vi.waitFor(() => expect(page.main.textContent).toContain("Your library is empty"));
    expect(page.main.querySelector('a[href="#/tokens"]')).not.toBeNull();
  });

  it("sends the filters of the URL and pages with the cursor (Load more without IntersectionObserver)", async () => {
    const page = await renderLibrary("#/library?q=shoes&platform=instagram", (req) =>
      req.url.includes("cursor=")
        ? { body: { items: [creative(3)], next_cursor: null } }
        : { body: { items: [creative(1), creative(2)], next_cursor: "next==" } },
    );
    await vi.waitFor(() => expect(page.main.querySelectorAll(".creative-card")).toHaveLength(2));
    const first = new URL(creativeCalls(page.calls)[0]!.url, "http://x");
    expect(first.searchParams.get("q")).toBe("shoes");
    expect(first.searchParams.get("platform")).toBe("instagram");
    const more = Array.from(page.main.querySelectorAll("button")).find((b) => b.textContent === "Load more")!;
    expect(more.hidden).toBe(false);
    expect(page.main.querySelector(".result-summary")!.textContent).toContain("scroll for more");
    more.click();
    await vi.waitFor(() => expect(page.main.querySelectorAll(".creative-card")).toHaveLength(3));
    expect(new URL(creativeCalls(page.calls)[1]!.url, "http://x").searchParams.get("cursor")).toBe("next==");
    expect(more.hidden).toBe(true);
    expect(page.main.querySelector(".result-summary")!.textContent).toBe("3 ads match “shoes”");
  });

  it("shows an error with a retry that loads the same page again", async () => {
    let fail = true;
    const page = await renderLibrary("#/library", () => {
      if (fail) return { status: 503, body: { title: "Unavailable", status: 503, detail: "the database is unavailable; retry later" } };
      return { body: { items: [creative(1)], next_cursor: null } };
    });
    await vi.waitFor(() => expect(page.main.querySelector('[role="alert"]')?.textContent).toContain("the database is unavailable"));
    fail = false;
    (Array.from(page.main.querySelectorAll("button")).find((b) => b.textContent === "Try again") as HTMLButtonElement).click();
    await vi.waitFor(() => expect(page.main.querySelectorAll(".creative-card")).toHaveLength(1));
  });

  it("says when a broad search ranked only the most recent matches, and offers every match newest first", async () => {
    const page = await renderLibrary("#/library?q=protein&platform=instagram", (req) => {
      const sort = new URL(req.url, "http://x").searchParams.get("sort");
      return sort === "saved_desc"
        ? { body: { items: [creative(1), creative(2), creative(3)], next_cursor: null, relevance_window: null } }
        : { body: { items: [creative(2), creative(1)], next_cursor: null, relevance_window: 2000 } };
    });
    const summary = page.main.querySelector(".result-summary")!;
    await vi.waitFor(() => expect(summary.textContent).toContain("Ranked by relevance"));
    expect(summary.textContent).toBe("2 ads match “protein”. Ranked by relevance among your 2,000 most recently saved matches.");
    const button = Array.from(page.main.querySelectorAll("button")).find((b) => b.textContent === "Show every match, newest first")!;
    expect(button).toBeDefined();
    expect(button.hidden).toBe(false);
    expect(button.closest("[role=status]")).toBeNull();

    button.focus();
    button.click();
    await vi.waitFor(() => expect(page.main.querySelectorAll(".creative-card")).toHaveLength(3));
    const sort = page.main.querySelector<HTMLSelectElement>("#f-sort")!;
    expect(sort.value).toBe("saved_desc");
    const last = new URL(creativeCalls(page.calls).at(-1)!.url, "http://x");
    expect(last.searchParams.get("sort")).toBe("saved_desc");
    expect(last.searchParams.get("q")).toBe("protein");
    expect(last.searchParams.get("platform")).toBe("instagram");
    // The URL follows, as when the select is changed by hand.
    expect(new URLSearchParams(location.hash.split("?")[1]).get("sort")).toBe("saved_desc");
    expect(summary.textContent).toBe("3 ads match “protein”");
    expect(button.hidden).toBe(true);
    expect(document.activeElement).not.toBe(document.body);
  });

  it("says nothing about ranking when every match was ranked or the sort is not by relevance", async () => {
    const exact = await renderLibrary("#/library?q=protein", () => ({ body: { items: [creative(1)], next_cursor: null, relevance_window: null } }));
    await vi.waitFor(() => expect(exact.main.querySelector(".result-summary")!.textContent).toBe("1 ad match “protein”"));
    const hidden = (main: HTMLElement) =>
      Array.from(main.querySelectorAll("button")).find((b) => b.textContent === "Show every match, newest first")!.hidden;
    expect(hidden(exact.main)).toBe(true);
    exact.cleanup();
    document.body.replaceChildren();

    // A stray window on another sort is not shown: those sorts list every match.
    const longest = await renderLibrary("#/library?q=protein&sort=running_longest", () => ({ body: { items: [creative(1)], next_cursor: null, relevance_window: 2000 } }));
    await vi.waitFor(() => expect(longest.main.querySelector(".result-summary")!.textContent).toBe("1 ad match “protein”"));
    expect(hidden(longest.main)).toBe(true);
  });

  it("fills the board and tag filters, and a selection bar appears when ads are picked", async () => {
    const page = await renderLibrary("#/library", () => ({ body: { items: [creative(1)], next_cursor: null } }));
    await vi.waitFor(() => expect(page.main.querySelector("#f-tag option[value=ugc]")).not.toBeNull());
    expect(page.main.querySelector("#f-board_id option[value=b1]")!.textContent).toBe("Hooks");
    await vi.waitFor(() => expect(page.main.querySelector(".select-box")).not.toBeNull());
    const bar = page.main.querySelector(".selection-bar") as HTMLElement;
    expect(bar.hidden).toBe(true);
    (page.main.querySelector(".select-box") as HTMLInputElement).click();
    expect(bar.hidden).toBe(false);
    expect(bar.textContent).toContain("1 ad selected");
    expect(bar.querySelector("a")!.getAttribute("href")).toBe("#/content?ids=c1");
  });
});
