import { describe, expect, it } from "vitest";
import type { SendResult, Sender } from "../src/api";
import { retryAfterMs } from "../src/api";
import { SaveQueue, localDay } from "../src/background/queue";
import { creativesFromDocument } from "../src/normalize";
import type { Creative } from "../src/payload";
import { MemoryStore, load } from "../src/store";
import { CTX, dataJson } from "./helpers";

const SSR: Creative[] = creativesFromDocument(dataJson("ssr-first-page.json"), CTX);

/** A scripted Ads API: answers from `script` in turn (then accepts everything) and records each batch. */
function fakeApi(script: Array<SendResult | "accept">): { send: Sender; batches: string[][] } {
  const batches: string[][] = [];
  const send: Sender = async (_url, _token, creatives) => {
    batches.push(creatives.map((c) => c.library_id));
    const next = script.shift() ?? "accept";
    return next === "accept" ? { kind: "accepted", ids: creatives.map((c) => c.library_id) } : next;
  };
  return { send, batches };
}

function setup(script: Array<SendResult | "accept"> = []) {
  const store = new MemoryStore();
  const api = fakeApi(script);
  let clock = 1_780_000_000_000;
  const queue = new SaveQueue({ store, send: api.send, now: () => clock, random: () => 1 });
  return { store, api, queue, advance: (ms: number) => (clock += ms), now: () => clock };
}

describe("SaveQueue", () => {
  it("sends queued saves in batches of at most 50 and counts them", async () => {
    const { queue, api } = setup();
    const many = Array.from({ length: 120 }, (_, i) => ({ ...SSR[0]!, library_id: String(100000000000000 + i) }));
    expect(await queue.enqueue(many)).toBe(120);
    const result = await queue.drain();
    expect(result).toEqual({ sent: 120, nextAttemptIn: null });
    expect(api.batches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(await queue.status()).toMatchObject({ savedToday: 120, pending: 0, lastError: null });
  });

  it("holds one entry per Library ID and skips ads already saved to the same board", async () => {
    const { queue, api } = setup();
    await queue.enqueue([SSR[0]!, SSR[1]!]);
    await queue.enqueue([SSR[0]!]);
    expect((await queue.status()).pending).toBe(2);
    await queue.drain();
    expect(await queue.enqueue([SSR[0]!, SSR[1]!])).toBe(0);
    expect(await queue.enqueue([{ ...SSR[0]!, board_id: "b1" }])).toBe(1);
    await queue.drain();
    expect(api.batches).toEqual([[SSR[0]!.library_id, SSR[1]!.library_id], [SSR[0]!.library_id]]);
  });

  it("keeps saves across a restart (a new queue on the same storage)", async () => {
    const { store, queue } = setup([{ kind: "retry", error: "offline", retryAfterMs: null }]);
    await queue.enqueue([SSR[0]!]);
    await queue.drain();
    const api = fakeApi([]);
    const restarted = new SaveQueue({ store, send: api.send, now: () => Date.now() + 3_600_000 });
    await restarted.drain();
    expect(api.batches).toEqual([[SSR[0]!.library_id]]);
    expect((await restarted.status()).pending).toBe(0);
  });

  it("backs off exponentially, with a cap, and is not due before", async () => {
    const failure: SendResult = { kind: "retry", error: "HTTP 502", retryAfterMs: null };
    const { queue, api, advance } = setup([failure, failure, failure]);
    await queue.enqueue([SSR[0]!]);
    const delays: Array<number | null> = [];
    for (let i = 0; i < 3; i++) {
      const result = await queue.drain();
      delays.push(result.nextAttemptIn);
      expect((await queue.drain()).sent).toBe(0); // not due yet: nothing sent
      advance(result.nextAttemptIn!);
    }
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(await queue.status()).toMatchObject({ pending: 1, lastError: "HTTP 502" });
    expect(await queue.drain()).toEqual({ sent: 1, nextAttemptIn: null });
    expect(api.batches).toHaveLength(4);
    expect((await queue.status()).lastError).toBeNull();
    expect(queue.backoffMs(30)).toBe(5 * 60_000);
  });

  it("draws jitter between half and all of the delay", () => {
    const low = new SaveQueue({ store: new MemoryStore(), send: fakeApi([]).send, random: () => 0 });
    expect(low.backoffMs(3)).toBe(2000);
  });

  it("respects Retry-After", async () => {
    const { queue } = setup([{ kind: "retry", error: "HTTP 429", retryAfterMs: 30_000 }]);
    await queue.enqueue([SSR[0]!]);
    expect((await queue.drain()).nextAttemptIn).toBe(30_000);
    expect(retryAfterMs("7")).toBe(7000);
    expect(retryAfterMs(null)).toBeNull();
  });

  it("drops a save the API refuses for good, remembering why", async () => {
    const { queue, store } = setup([{ kind: "reject", error: "HTTP 400: bad library_id" }]);
    await queue.enqueue([SSR[0]!]);
    await queue.drain();
    const { failed, queue: left } = await load(store, ["failed", "queue"]);
    expect(left).toEqual([]);
    expect(failed[SSR[0]!.library_id]).toBe("HTTP 400: bad library_id");
  });

  it("splits a batch the API finds too large", async () => {
    const { queue, api } = setup([{ kind: "too_large", error: "HTTP 413" }]);
    await queue.enqueue(SSR.slice(0, 4));
    expect((await queue.drain()).sent).toBe(4);
    expect(api.batches.map((b) => b.length)).toEqual([4, 2, 2]);
  });

  it("retries what the API did not list as accepted", async () => {
    const { queue, api } = setup([{ kind: "accepted", ids: [SSR[0]!.library_id] }]);
    await queue.enqueue([SSR[0]!, SSR[1]!]);
    const result = await queue.drain();
    expect(result.sent).toBe(1);
    expect((await queue.status()).pending).toBe(1);
    expect(api.batches).toHaveLength(1);
  });

  it("keeps a save re-queued while its batch was in flight", async () => {
    const store = new MemoryStore();
    let queue: SaveQueue;
    let calls = 0;
    const send: Sender = async (_u, _t, creatives) => {
      // The user saves it again to another board while the first send is in flight.
      if (++calls === 1) await queue.enqueue([{ ...SSR[0]!, board_id: "other" }]);
      return { kind: "accepted", ids: creatives.map((c) => c.library_id) };
    };
    let clock = 1_000;
    queue = new SaveQueue({ store, send, now: () => (clock += 1) });
    await queue.enqueue([SSR[0]!]);
    await queue.drain();
    const { queue: left } = await load(store, ["queue"]);
    expect(left).toEqual([]); // the newer save was sent again by the same drain
    expect(calls).toBe(2);
    expect((await load(store, ["saved"])).saved[SSR[0]!.library_id]?.boardId).toBe("other");
  });

  it("runs one drain at a time; a call during a drain makes it look again", async () => {
    const store = new MemoryStore();
    let release: () => void = () => undefined;
    const batches: number[] = [];
    const send: Sender = async (_u, _t, creatives) => {
      batches.push(creatives.length);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return { kind: "accepted", ids: creatives.map((c) => c.library_id) };
    };
    const queue = new SaveQueue({ store, send });
    await queue.enqueue([SSR[0]!]);
    const first = queue.drain();
    await new Promise((r) => setTimeout(r, 10));
    await queue.enqueue([SSR[1]!]);
    expect(await queue.drain()).toEqual({ sent: 0, nextAttemptIn: null });
    release();
    expect((await first).sent).toBe(2);
    expect(batches).toEqual([1, 1]);
  });

  it("resets saved today on a new day", async () => {
    const { queue, advance } = setup();
    await queue.enqueue([SSR[0]!]);
    await queue.drain();
    expect((await queue.status()).savedToday).toBe(1);
    advance(2 * 86_400_000);
    expect((await queue.status()).savedToday).toBe(0);
    expect(localDay(0)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
