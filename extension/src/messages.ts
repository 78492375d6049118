/**
 * Messages between the content script, the popup, the options page and the service
 * worker (`chrome.runtime.sendMessage`), and between the main-world capture script and
 * the isolated content script (`window.postMessage`).
 */

import type { Board, Creative } from "./payload";

/** Requests the service worker answers. */
export type Request =
  | { type: "save"; creatives: Creative[] }
  | { type: "status" }
  | { type: "boards" }
  | { type: "retry" }
  /** The user has read the "not kept offline" notice. */
  | { type: "dismiss" };

export interface Status {
  savedToday: number;
  pending: number;
  lastError: string | null;
  lastErrorAt: number | null;
  /** Saves given up on because storage is bounded, since the user last dismissed the notice. */
  notKept: number;
  notKeptAt: number | null;
}

export type BoardsAnswer = { ok: true; boards: Board[] } | { ok: false; error: string };

export interface SaveAnswer {
  queued: number;
}

/** Marks messages on the page's window that belong to this extension. */
export const WINDOW_TAG = "magic-mango";

/** Main world -> isolated world: a captured body that mentions search results. */
export interface CapturedMessage {
  tag: typeof WINDOW_TAG;
  kind: "graphql" | "ssr";
  body: string;
}

/** Isolated world -> main world: resend everything captured so far (start-up race). */
export interface ReplayMessage {
  tag: typeof WINDOW_TAG;
  kind: "replay";
}

export type WindowMessage = CapturedMessage | ReplayMessage;

export function isWindowMessage(data: unknown): data is WindowMessage {
  return (
    typeof data === "object" &&
    data !== null &&
    (data as { tag?: unknown }).tag === WINDOW_TAG &&
    typeof (data as { kind?: unknown }).kind === "string"
  );
}
