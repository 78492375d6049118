import { describe, expect, it, vi } from "vitest";
import { ApiError } from "../src/api/client";
import type { ContentTask, TaskStatus } from "../src/api/types";
import { backoffDelays, pollTask } from "../src/lib/poll";

function task(status: TaskStatus, extra: Partial<ContentTask> = {}): ContentTask {
  return { id: "t1", kind: "brief", status, creative_ids: ["c1"], parameters: {}, result: null, error: null, attempts: 0, created_at: "", updated_at: "", ...extra };
}

describe("pollTask", () => {
  it("polls until done, waiting longer each time up to the ceiling", async () => {
    const states = [task("queued"), task("running"), task("running"), task("running"), task("done", { result: { summary: "ok" } })];
    const get = vi.fn(async () => states.shift()!);
    const waits: number[] = [];
    const updates: string[] = [];
    const result = await pollTask(get, {
      initialDelay: 100,
      maxDelay: 300,
      factor: 2,
      sleep: async (ms) => void waits.push(ms),
      onUpdate: (t) => updates.push(t.status),
    });
    expect(result.status).toBe("done");
    expect(result.result).toEqual({ summary: "ok" });
    expect(updates).toEqual(["queued", "running", "running", "running", "done"]);
    expect(waits).toEqual([100, 200, 300, 300]);
  });

  it("stops at failed and hands back the reason", async () => {
    const get = vi.fn().mockResolvedValueOnce(task("running")).mockResolvedValueOnce(task("failed", { error: "no text to work from" }));
    const result = await pollTask(get, { sleep: async () => undefined });
    expect(result.status).toBe("failed");
    expect(result.error).toBe("no text to work from");
  });

  it("keeps polling through network errors, 429 and 503, honouring Retry-After", async () => {
    const get = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(0, "offline"))
      .mockRejectedValueOnce(new ApiError(503, "busy", { retryAfter: 2 }))
      .mockRejectedValueOnce(new ApiError(429, "slow down"))
      .mockResolvedValueOnce(task("done"));
    const waits: number[] = [];
    const retries: unknown[] = [];
    const result = await pollTask(get, { initialDelay: 100, factor: 2, sleep: async (ms) => void waits.push(ms), onRetry: (e) => retries.push(e) });
    expect(result.status).toBe("done");
    expect(retries).toHaveLength(3);
    expect(waits).toEqual([100, 2000, 400]);
  });

  it("gives up on errors that will not go away (404)", async () => {
    const get = vi.fn().mockRejectedValue(new ApiError(404, "Not found."));
    await expect(pollTask(get, { sleep: async () => undefined })).rejects.toMatchObject({ status: 404 });
    expect(get).toHaveBeenCalledOnce();
  });

  it("stops when aborted", async () => {
    const controller = new AbortController();
    const get = vi.fn(async () => task("running"));
    const pending = pollTask(get, { signal: controller.signal, initialDelay: 10_000 });
    await Promise.resolve();
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
  });

  it("backoffDelays grows by the factor and caps", () => {
    expect(backoffDelays(6, 500, 3000, 2)).toEqual([500, 1000, 2000, 3000, 3000, 3000]);
  });
});
