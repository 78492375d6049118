import { describe, expect, it } from "vitest";
import type { Sender } from "../src/api";
import { NOT_KEPT_REASON, SaveQueue, StorageFullError, fitQueue } from "../src/background/queue";
import { badgeFor, notKeptMessage } from "../src/notice";
import { creativesFromDocument } from "../src/normalize";
import type { Creative } from "../src/payload";
import {
  MAX_QUEUE_ITEMS,
  MemoryStore,
  QUEUE_BUDGET_BYTES,
  isQuotaError,
  jsonBytes,
  load,
} from "../src/store";
import type { KeyValueStore, QueueItem } from "../src/store";
import { CTX, dataJson } from "./helpers";

const SSR: Creative[] = creativesFromDocument(dataJson("ssr-first-page.json"), CTX);

/** `n` distinct creatives (copies of a recorded one with their own Library IDs). */
function creatives(n: number, from = 0): Creative[] {
  return Array.from({ length: n }, (_, i) => ({ ...SSR[0]!, library_id: String(200000000000000 + from + i) }));
}

const ids = (list: Array<Creative | QueueItem>): string[] =>
  list.map((x) => ("creative" in x ? x.creative.library_id : x.library_id));

function offline(): Sender {
  return async () => ({ kind: "retry", error: "Ads API unreachable", retryAfterMs: null });
}

function accepting(batches: string[][] = []): Sender {
  return async (_u, _t, list) => {
    batches.push(list.map((c) => c.library_id));
    return { kind: "accepted", ids: list.map((c) => c.library_id) };
  };
}

function clocked(store: KeyValueStore, send: Sender, extra: { maxItems?: number; budgetBytes?: number } = {}) {
  let clock = 1_780_000_000_000;
  const queue = new SaveQueue({ store, send, now: () => clock, random: () => 1, ...extra });
  return { queue, advance: (ms = 1000) => (clock += ms) };
}

/** Every creative handed to the queue is accounted for: still queued, or marked failed with a reason. */
async function accountedFor(store: KeyValueStore, all: Creative[]): Promise<void> {
  const { queue, failed, saved } = await load(store, ["queue", "failed", "saved"]);
  const queued = new Set(ids(queue));
  for (const c of all) {
    const known = queued.has(c.library_id) || c.library_id in failed || c.library_id in saved;
    expect(known, `creative ${c.library_id} was dropped silently`).toBe(true);
  }
}

/** A store that rejects its next `failures` writes with `message`, then behaves. */
class FlakyStore extends MemoryStore {
  constructor(
    private failures: number,
    private readonly message: string,
  ) {
    super();
  }

  override async set(items: Record<string, unknown>): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error(this.message);
    }
    return super.set(items);
  }
}

describe("budgets", () => {
  it("bounds the queue well under the smallest storage.local quota", () => {
    // 5 MB on Chrome 111-113 (the manifest's minimum), 10 MB since Chrome 114.
    expect(QUEUE_BUDGET_BYTES).toBeLessThanOrEqual(5 * 1024 * 1024 * 0.5);
    expect(MAX_QUEUE_ITEMS).toBeGreaterThanOrEqual(100);
  });

  it("fitQueue keeps the newest saves within the count, in queue order", () => {
    const queue: QueueItem[] = creatives(5).map((creative, i) => ({
      creative,
      queuedAt: [5, 1, 4, 2, 3][i]!,
      attempts: 0,
      notBefore: 0,
      lastError: null,
    }));
    const { kept, evicted } = fitQueue(queue, 3, Number.POSITIVE_INFINITY);
    expect(ids(kept)).toEqual(ids([queue[0]!, queue[2]!, queue[4]!]));
    expect(ids(evicted)).toEqual(ids([queue[1]!, queue[3]!]));
  });

  it("fitQueue keeps the newest saves within the byte budget, skipping one too large", () => {
    const small = creatives(4);
    const huge: Creative = { ...small[0]!, library_id: "299999999999999", body: "x".repeat(50_000) };
    const queue: QueueItem[] = [...small, huge].map((creative, i) => ({
      creative,
      queuedAt: i,
      attempts: 0,
      notBefore: 0,
      lastError: null,
    }));
    const one = jsonBytes(queue[0]) + 1;
    const { kept, evicted, bytes } = fitQueue(queue, 100, 2 + 3 * one);
    // The newest (huge) does not fit at all; of the rest, the three newest do.
    expect(ids(kept)).toEqual(ids(small.slice(1)));
    expect(ids(evicted).sort()).toEqual([small[0]!.library_id, huge.library_id].sort());
    expect(bytes).toBeLessThanOrEqual(2 + 3 * one);
    expect(jsonBytes(kept)).toBeLessThanOrEqual(2 + 3 * one);
  });
});

describe("SaveQueue within its budgets", () => {
  it("keeps the newest saves past the count budget and marks the oldest as not kept", async () => {
    const store = new MemoryStore();
    const { queue, advance } = clocked(store, offline(), { maxItems: 3 });
    const first = creatives(2);
    const second = creatives(3, 10);
    expect(await queue.enqueue(first)).toBe(2);
    advance();
    expect(await queue.enqueue(second)).toBe(3);
    const state = await load(store, ["queue", "failed", "notKept"]);
    expect(ids(state.queue)).toEqual(ids(second));
    for (const c of first) expect(state.failed[c.library_id]).toBe(NOT_KEPT_REASON);
    expect(state.notKept).toMatchObject({ count: 2, reason: NOT_KEPT_REASON });
    expect(await queue.status()).toMatchObject({ pending: 3, notKept: 2 });
    await accountedFor(store, [...first, ...second]);
  });

  it("keeps the stored queue within the byte budget", async () => {
    const store = new MemoryStore();
    const budgetBytes = 40_000;
    const { queue, advance } = clocked(store, offline(), { budgetBytes });
    const all: Creative[] = [];
    for (let round = 0; round < 6; round++) {
      const batch = creatives(5, round * 5);
      all.push(...batch);
      await queue.enqueue(batch);
      advance();
    }
    const { queue: stored, notKept } = await load(store, ["queue", "notKept"]);
    expect(jsonBytes(stored)).toBeLessThanOrEqual(budgetBytes);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.length + notKept.count).toBe(all.length);
    // The newest round is the one kept in full.
    expect(ids(stored)).toEqual(expect.arrayContaining(ids(all.slice(-5))));
    await accountedFor(store, all);
  });

  it("reports a save that does not fit at all as not queued, and failed on its button", async () => {
    const store = new MemoryStore();
    const { queue } = clocked(store, offline(), { budgetBytes: 1000 });
    expect(await queue.enqueue([SSR[0]!])).toBe(0);
    const { failed, queue: left } = await load(store, ["failed", "queue"]);
    expect(left).toEqual([]);
    expect(failed[SSR[0]!.library_id]).toBe(NOT_KEPT_REASON);
  });

  it("saving a creative again clears its not-kept mark", async () => {
    const store = new MemoryStore();
    const { queue, advance } = clocked(store, offline(), { maxItems: 1 });
    await queue.enqueue([SSR[0]!]);
    advance();
    await queue.enqueue([SSR[1]!]);
    expect((await load(store, ["failed"])).failed[SSR[0]!.library_id]).toBe(NOT_KEPT_REASON);
    advance();
    await queue.enqueue([SSR[0]!]);
    const { failed } = await load(store, ["failed"]);
    expect(failed[SSR[0]!.library_id]).toBeUndefined();
    expect(failed[SSR[1]!.library_id]).toBe(NOT_KEPT_REASON);
  });

  it("counts a save given up on while in flight as saved when the API accepts it", async () => {
    const store = new MemoryStore();
    let queue: SaveQueue;
    let clock = 1_000;
    let calls = 0;
    const send: Sender = async (_u, _t, list) => {
      // While the first batch is in flight, newer saves push it out of a one-item queue.
      if (++calls === 1) await queue.enqueue([SSR[1]!]);
      return { kind: "accepted", ids: list.map((c) => c.library_id) };
    };
    queue = new SaveQueue({ store, send, now: () => (clock += 1), maxItems: 1 });
    await queue.enqueue([SSR[0]!]);
    await queue.drain();
    const { saved, failed, queue: left } = await load(store, ["saved", "failed", "queue"]);
    expect(left).toEqual([]);
    expect(Object.keys(saved).sort()).toEqual([SSR[0]!.library_id, SSR[1]!.library_id].sort());
    expect(failed).toEqual({});
  });

  it("clears the notice when the user dismisses it", async () => {
    const store = new MemoryStore();
    const { queue, advance } = clocked(store, offline(), { maxItems: 1 });
    await queue.enqueue([SSR[0]!]);
    advance();
    await queue.enqueue([SSR[1]!]);
    expect((await queue.status()).notKept).toBe(1);
    await queue.dismissNotKept();
    expect(await queue.status()).toMatchObject({ notKept: 0, notKeptAt: null, pending: 1 });
  });
});

describe("SaveQueue when the browser rejects a write on its quota", () => {
  it("recognises Chrome's quota errors, old and new wording, and nothing else", () => {
    expect(isQuotaError(new Error("QUOTA_BYTES quota exceeded"))).toBe(true);
    expect(isQuotaError(new Error("Resource::kQuotaBytes quota exceeded"))).toBe(true);
    expect(isQuotaError("QUOTA_BYTES_PER_ITEM quota exceeded")).toBe(true);
    expect(isQuotaError(new Error("IO error: .../LOCK: File currently in use"))).toBe(false);
  });

  it("keeps the newest saves that the quota allows, and accounts for every other", async () => {
    // A quota smaller than the queue's budget, as on a browser with less storage.
    const store = new MemoryStore({ quotaBytes: 30_000 });
    const { queue, advance } = clocked(store, offline());
    const all: Creative[] = [];
    for (let round = 0; round < 4; round++) {
      const batch = creatives(5, round * 5);
      all.push(...batch);
      await queue.enqueue(batch);
      advance();
    }
    expect(store.bytesInUse()).toBeLessThanOrEqual(30_000);
    const { queue: stored, notKept } = await load(store, ["queue", "notKept"]);
    expect(stored.length).toBeGreaterThan(0);
    // The kept ones are the newest (same-sized copies: exactly the last ones saved).
    expect(ids(stored)).toEqual(ids(all.slice(-stored.length)));
    expect(notKept.count).toBe(all.length - stored.length);
    await accountedFor(store, all);
  });

  it("forgets history before it gives up on pending saves", async () => {
    const store = new MemoryStore();
    // A long memory of accepted saves fills the storage but for 5 KB: three saves (~12 KB) do not fit.
    const saved = Object.fromEntries(
      Array.from({ length: 4000 }, (_, i) => [String(300000000000000 + i), { at: i, boardId: null }]),
    );
    await store.set({ saved });
    const tight = new MemoryStore({ quotaBytes: store.bytesInUse() + 5_000 });
    await tight.set({ saved });
    const { queue } = clocked(tight, offline());
    expect(await queue.enqueue(creatives(3))).toBe(3);
    const state = await load(tight, ["queue", "saved", "notKept"]);
    expect(state.queue).toHaveLength(3);
    expect(state.notKept.count).toBe(0);
    expect(Object.keys(state.saved).length).toBeLessThan(4000);
  });

  it("retries a write rejected with the older QUOTA_BYTES wording", async () => {
    const store = new FlakyStore(2, "QUOTA_BYTES quota exceeded");
    const { queue } = clocked(store, offline());
    const all = creatives(4);
    const queued = await queue.enqueue(all);
    const { queue: stored, notKept } = await load(store, ["queue", "notKept"]);
    // Second refusal halves the queue: the two newest stay, two are reported.
    expect(queued).toBe(2);
    expect(ids(stored)).toEqual(ids(all.slice(2)));
    expect(notKept.count).toBe(2);
    await accountedFor(store, all);
  });

  it("does not treat other storage errors as quota errors", async () => {
    const store = new FlakyStore(1, "IO error");
    const { queue } = clocked(store, offline());
    await expect(queue.enqueue(creatives(2))).rejects.toThrow("IO error");
    expect((await load(store, ["queue"])).queue).toEqual([]);
    expect(await queue.enqueue(creatives(2))).toBe(2); // and the queue still works
  });

  it("refuses new saves visibly when storage takes nothing at all, and keeps working", async () => {
    const store = new MemoryStore();
    const batches: string[][] = [];
    const { queue } = clocked(store, accepting(batches));
    await queue.enqueue([SSR[0]!]);
    await store.set({ junk: "x".repeat(50_000) }); // another writer
    // Storage is over its quota: no write of ours can succeed, even an empty queue.
    const full = new MemoryStore({ quotaBytes: 50_000 });
    for (const [key, value] of store.data) full.data.set(key, value);
    const { queue: onFull } = clocked(full, accepting(batches));
    const error = await onFull.enqueue([SSR[1]!, SSR[2]!]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StorageFullError);
    expect((error as Error).message).toContain("could not be kept offline");
    // Not even the count could be stored: it is kept in memory and shown all the same.
    expect(await onFull.status()).toMatchObject({ pending: 1, notKept: 2 });
    // What was stored before is intact; a drain that cannot record its outcome fails
    // without losing it (the service worker tries again later; the API is idempotent).
    await expect(onFull.drain()).rejects.toBeInstanceOf(StorageFullError);
    expect(ids((await load(full, ["queue"])).queue)).toEqual([SSR[0]!.library_id]);
    // Space comes back: everything works again.
    full.data.delete("junk");
    expect((await onFull.drain()).sent).toBe(1);
    expect(await onFull.status()).toMatchObject({ pending: 0, notKept: 2 });
    expect(await onFull.enqueue([SSR[1]!])).toBe(1);
    await onFull.dismissNotKept();
    expect((await onFull.status()).notKept).toBe(0);
  });
});

describe("what the user is told", () => {
  it("says how many creatives were not kept and what to do", () => {
    expect(notKeptMessage({ notKept: 0 })).toBeNull();
    expect(notKeptMessage({ notKept: 1 })).toContain("1 creative could not be kept offline");
    expect(notKeptMessage({ notKept: 7 })).toMatch(/^7 creatives could not be kept offline.*open the page again once online/);
  });

  it("puts the count on the badge, and nothing once dismissed", () => {
    expect(badgeFor({ notKept: 3 })).toMatchObject({ text: "3", color: "#dc2626" });
    expect(badgeFor({ notKept: 3 }).title).toContain("3 creatives could not be kept offline");
    expect(badgeFor({ notKept: 250 }).text).toBe("99+");
    expect(badgeFor({ notKept: 0 }).text).toBe("");
  });
});
