// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from "vitest";
import { findCards } from "../src/content/anchor";
import { PAUSE_GRACE_MS, PageController } from "../src/content/controller";
import { NOT_KEPT_REASON } from "../src/background/queue";
import type { Creative } from "../src/payload";
import { dataText } from "./helpers";

const SSR_IDS = ["2366492917183805", "1223312153071533", "1127745372614763"];
const GRAPHQL_IDS = ["1070910805218818", "848713757763544"];

/** One result card as the Ads Library renders it: obfuscated classes, nested spans, glued text. */
function cardHtml(id: string): string {
  return `
    <div class="x1plvlek xryxfnj x1gzqxud x178xt8z">
      <div class="x78zum5 xdt5ytf"><span class="x8t9es0 x1fvot60">Active</span></div>
      <div class="x3nfvp2"><span class="x8t9es0 xw23nyj">Library ID: ${id}</span><span>Started running on 14 Feb 2026</span></div>
      <div class="x1cy8zhl"><div class="xh8yej3">Ad text 2026</div><a href="https://www.facebook.com/101742221616429/">Page</a></div>
    </div>`;
}

function gridHtml(ids: string[]): string {
  return `<div class="x1dr75xp xh8yej3 x16md763">${ids.map(cardHtml).join("")}</div>`;
}

function setUpPage(ids: string[]): HTMLElement {
  document.body.innerHTML = `
    <script type="application/json">{"ad_archive_id":"999999999999999"}</script>
    <div class="x9f619 x1n2onr6"><div role="main" class="xw2csxc">${gridHtml(ids)}</div></div>`;
  return document.querySelector(".x1dr75xp") as HTMLElement;
}

function ssrBody(): string {
  return dataText("ssr-first-page.json");
}

function controller(opts: { now?: () => number } = {}) {
  const saved: Creative[][] = [];
  const boards: Array<string | null> = [];
  const c = new PageController({
    doc: document,
    save: async (creatives) => {
      saved.push(creatives);
      return creatives.length;
    },
    chooseBoard: (b) => void boards.push(b),
    ...opts,
  });
  return { c, saved, boards };
}

function buttonOf(id: string): HTMLButtonElement {
  const host = document.querySelector(`[data-magic-mango="save"][data-library-id="${id}"]`);
  return host?.shadowRoot?.querySelector("button") as HTMLButtonElement;
}

function toolbar(): ShadowRoot {
  return (document.querySelector('[data-magic-mango="toolbar"]') as HTMLElement).shadowRoot!;
}

afterEach(() => {
  document.documentElement.querySelectorAll("[data-magic-mango]").forEach((n) => n.remove());
  document.body.innerHTML = "";
});

describe("findCards", () => {
  it("anchors each card as the largest ancestor holding exactly one Library ID", () => {
    const grid = setUpPage(SSR_IDS);
    const cards = findCards(document.body);
    expect(cards.map((c) => c.libraryId)).toEqual(SSR_IDS);
    cards.forEach((card, i) => expect(card.element).toBe(grid.children[i]));
  });

  it("ignores numbers in scripts and numbers glued to other digits", () => {
    document.body.innerHTML = `<div><div>ID 12345678901234567890</div><div>x</div></div>`;
    expect(findCards(document.body)).toEqual([]);
  });

  it("finds an ID glued to the following word", () => {
    document.body.innerHTML = `<div><div><span>Library ID: 1070910805218818Started running</span></div><div><span>ID: 848713757763544</span></div></div>`;
    expect(findCards(document.body).map((c) => c.libraryId)).toEqual(GRAPHQL_IDS);
  });
});

describe("PageController", () => {
  it("injects one Save button per card and saves one card with its data", async () => {
    setUpPage(SSR_IDS);
    const { c, saved } = controller();
    expect(c.ingest(ssrBody())).toBe(30);
    c.start();
    expect(document.querySelectorAll('[data-magic-mango="save"]')).toHaveLength(3);
    const button = buttonOf(SSR_IDS[0]!);
    expect(button.dataset["state"]).toBe("save");
    button.click();
    await vi.waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]!.map((x) => x.library_id)).toEqual([SSR_IDS[0]]);
    expect(button.dataset["state"]).toBe("saving");
    c.setProgress({ queue: [], saved: { [SSR_IDS[0]!]: { at: 1, boardId: null } }, failed: {} });
    expect(button.dataset["state"]).toBe("saved");
    c.stop();
  });

  it("puts the button back after a re-render and follows infinite scroll", async () => {
    const grid = setUpPage(SSR_IDS);
    const { c, saved } = controller();
    c.ingest(ssrBody());
    c.start();
    // React re-renders the first card: new nodes, our button gone.
    grid.children[0]!.outerHTML = cardHtml(SSR_IDS[0]!);
    await vi.waitFor(() => expect(buttonOf(SSR_IDS[0]!)).toBeTruthy());
    expect(grid.children[0]!.querySelector('[data-magic-mango="save"]')).not.toBeNull();
    // Infinite scroll: the next page arrives by GraphQL (with the guard), then its cards render.
    c.ingest(`for (;;);${dataText("graphql-search-page.json")}`);
    grid.insertAdjacentHTML("beforeend", GRAPHQL_IDS.map(cardHtml).join(""));
    await vi.waitFor(() => expect(document.querySelectorAll('[data-magic-mango="save"]')).toHaveLength(5));
    expect(buttonOf(GRAPHQL_IDS[1]!).dataset["state"]).toBe("save");
    // Save all sends every card of the page once.
    const saveAll = toolbar().querySelector('[data-role="save-all"]') as HTMLButtonElement;
    expect(saveAll.textContent).toContain("(5)");
    saveAll.click();
    await vi.waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]!.map((x) => x.library_id).sort()).toEqual([...SSR_IDS, ...GRAPHQL_IDS].sort());
    c.stop();
  });

  it("shows a card without captured data as not capturable", () => {
    setUpPage([...SSR_IDS, "123456789012345"]);
    const { c } = controller();
    c.ingest(ssrBody());
    c.start();
    expect(buttonOf("123456789012345").dataset["state"]).toBe("unavailable");
    expect(buttonOf("123456789012345").disabled).toBe(true);
    c.stop();
  });

  it("pauses saving visibly when cards show but no ad data was captured", () => {
    setUpPage(SSR_IDS);
    let clock = 0;
    const { c, saved } = controller({ now: () => clock });
    c.start();
    const banner = toolbar().querySelector('[data-role="banner"]') as HTMLElement;
    expect(banner.hidden).toBe(true); // within the grace period the data may still come
    clock = PAUSE_GRACE_MS;
    c.scan();
    expect(c.paused).toBe(true);
    expect(banner.hidden).toBe(false);
    expect(banner.textContent).toContain("this page changed; saving is paused");
    expect(buttonOf(SSR_IDS[0]!).dataset["state"]).toBe("paused");
    buttonOf(SSR_IDS[0]!).click();
    expect(saved).toHaveLength(0);
    // Data arrives after all: saving resumes.
    c.ingest(ssrBody());
    c.scan();
    expect(banner.hidden).toBe(true);
    c.stop();
  });

  it("saves to the chosen board and reflects queue progress and failures", async () => {
    setUpPage(SSR_IDS);
    const { c, saved, boards } = controller();
    c.ingest(ssrBody());
    c.start();
    c.setBoards([{ id: "b1", name: "Winners" }], null);
    const select = toolbar().querySelector('[data-role="boards"]') as HTMLSelectElement;
    expect(select.hidden).toBe(false);
    select.value = "b1";
    select.dispatchEvent(new Event("change"));
    expect(boards).toEqual(["b1"]);
    buttonOf(SSR_IDS[1]!).click();
    await vi.waitFor(() => expect(saved).toHaveLength(1));
    expect(saved[0]![0]!.board_id).toBe("b1");
    const creative = saved[0]![0]!;
    c.setProgress({ queue: [{ creative, queuedAt: 1, attempts: 2, notBefore: 0, lastError: "offline" }], saved: {}, failed: {} });
    expect(buttonOf(SSR_IDS[1]!).dataset["state"]).toBe("saving");
    expect(buttonOf(SSR_IDS[1]!).title).toContain("offline");
    c.setProgress({ queue: [], saved: {}, failed: { [SSR_IDS[1]!]: "HTTP 400" } });
    expect(buttonOf(SSR_IDS[1]!).dataset["state"]).toBe("failed");
    c.stop();
  });

  it("shows why a save was not kept: refused by the worker, or given up on by the queue", async () => {
    setUpPage(SSR_IDS);
    const refusal = "Not kept: the browser's storage for the extension is full, so this save could not be kept offline.";
    const c = new PageController({
      doc: document,
      save: async () => {
        throw new Error(refusal);
      },
      chooseBoard: () => undefined,
    });
    c.ingest(ssrBody());
    c.start();
    buttonOf(SSR_IDS[0]!).click();
    await vi.waitFor(() => expect(buttonOf(SSR_IDS[0]!).dataset["state"]).toBe("failed"));
    expect(buttonOf(SSR_IDS[0]!).title).toBe(refusal);
    expect(buttonOf(SSR_IDS[0]!).textContent).toContain("Retry save");
    // Pushed out of the offline queue by newer saves: failed, with the reason, saveable again.
    c.setProgress({ queue: [], saved: {}, failed: { [SSR_IDS[1]!]: NOT_KEPT_REASON } });
    expect(buttonOf(SSR_IDS[1]!).dataset["state"]).toBe("failed");
    expect(buttonOf(SSR_IDS[1]!).title).toBe(NOT_KEPT_REASON);
    expect(buttonOf(SSR_IDS[1]!).disabled).toBe(false);
    c.stop();
  });
});
