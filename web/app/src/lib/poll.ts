/**
 * Polls a content task until it is done or failed, waiting longer between polls while it
 * runs (exponential backoff with a ceiling), and keeps going through transient errors
 * (network, 429, 503) with the same backoff. Stops when the signal aborts.
 */
import { ApiError } from "../api/client";
import type { ContentTask } from "../api/types";

export interface PollOptions {
  /** First delay in ms (default 500). */
  initialDelay?: number;
  /** Longest delay in ms (default 8000). */
  maxDelay?: number;
  /** Growth factor (default 1.6). */
  factor?: number;
  /** Called with every state read, including the first. */
  onUpdate?: (task: ContentTask) => void;
  /** Called when a poll failed transiently and will be retried. */
  onRetry?: (error: unknown, delay: number) => void;
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function isFinished(task: ContentTask): boolean {
  return task.status === "done" || task.status === "failed";
}

/** The delays the poller waits, in order (for display and tests). */
export function backoffDelays(count: number, initialDelay = 500, maxDelay = 8000, factor = 1.6): number[] {
  const delays: number[] = [];
  let delay = initialDelay;
  for (let i = 0; i < count; i += 1) {
    delays.push(Math.round(delay));
    delay = Math.min(maxDelay, delay * factor);
  }
  return delays;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException("aborted", "AbortError"));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function isTransient(error: unknown): boolean {
  return error instanceof ApiError && (error.status === 0 || error.status === 429 || error.status >= 500);
}

export async function pollTask(
  get: (signal?: AbortSignal) => Promise<ContentTask>,
  options: PollOptions = {},
): Promise<ContentTask> {
  const maxDelay = options.maxDelay ?? 8000;
  const factor = options.factor ?? 1.6;
  const wait = options.sleep ?? sleep;
  let delay = options.initialDelay ?? 500;
  for (;;) {
    let task: ContentTask | null = null;
    try {
      task = await get(options.signal);
    } catch (error) {
      if (!isTransient(error)) throw error;
      const retryIn = error instanceof ApiError && error.retryAfter ? Math.max(delay, error.retryAfter * 1000) : delay;
      options.onRetry?.(error, retryIn);
      await wait(retryIn, options.signal);
      delay = Math.min(maxDelay, delay * factor);
      continue;
    }
    options.onUpdate?.(task);
    if (isFinished(task)) return task;
    await wait(delay, options.signal);
    delay = Math.min(maxDelay, delay * factor);
  }
}
