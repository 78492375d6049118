/**
 * Main-world content script, run at document_start on Ads Library pages.
 *
 * It must run in the page's own JavaScript world to see the page's network traffic:
 * it wraps `fetch` and `XMLHttpRequest` before the page uses them and forwards the
 * bodies of `/api/graphql/` responses that mention search results, plus the first
 * page's results embedded in `<script type="application/json">` tags, to the isolated
 * content script. It parses nothing itself: the normaliser runs in the isolated world,
 * so this script stays small and does as little as possible inside the page.
 */

import { CONNECTION_KEY } from "./normalize";
import { WINDOW_TAG, isWindowMessage } from "./messages";
import type { CapturedMessage } from "./messages";

/** Bodies kept for replay; a long infinite-scroll session must not grow without bound. */
const MAX_KEPT = 200;

const kept: CapturedMessage[] = [];
const seenScripts = new WeakSet<Element>();

function post(message: CapturedMessage): void {
  // Never "*": only this page's own origin may receive what we captured.
  window.postMessage(message, location.origin);
}

function capture(kind: CapturedMessage["kind"], body: string): void {
  if (!body.includes(CONNECTION_KEY)) return;
  const message: CapturedMessage = { tag: WINDOW_TAG, kind, body };
  kept.push(message);
  if (kept.length > MAX_KEPT) kept.shift();
  post(message);
}

function isGraphQL(url: string | URL | null | undefined): boolean {
  if (url === null || url === undefined) return false;
  try {
    return new URL(String(url), location.href).pathname.startsWith("/api/graphql");
  } catch {
    return false;
  }
}

function wrapFetch(): void {
  const original = window.fetch;
  window.fetch = function (this: unknown, ...args: Parameters<typeof fetch>): Promise<Response> {
    const promise = Reflect.apply(original, this, args) as Promise<Response>;
    promise
      .then((response) => {
        if (isGraphQL(response.url)) {
          // A clone, so the page still reads its own body.
          response
            .clone()
            .text()
            .then((body) => capture("graphql", body))
            .catch(() => undefined);
        }
      })
      .catch(() => undefined); // the page handles its own failures
    return promise;
  };
}

function wrapXhr(): void {
  const proto = XMLHttpRequest.prototype;
  const urls = new WeakMap<XMLHttpRequest, string>();
  const open = proto.open;
  const send = proto.send;
  proto.open = function (this: XMLHttpRequest, ...args: unknown[]): void {
    urls.set(this, String(args[1]));
    Reflect.apply(open, this, args);
  } as typeof proto.open;
  proto.send = function (this: XMLHttpRequest, ...args: unknown[]): void {
    if (isGraphQL(urls.get(this))) {
      this.addEventListener("load", () => {
        try {
          if (this.responseType === "" || this.responseType === "text") {
            capture("graphql", this.responseText);
          } else if (this.responseType === "json") {
            capture("graphql", JSON.stringify(this.response));
          }
        } catch {
          // Reading a body must never break the page's request.
        }
      });
    }
    Reflect.apply(send, this, args);
  } as typeof proto.send;
}

/** Forwards embedded JSON holding search results (the first page is not fetched). */
function scanScripts(): void {
  for (const script of document.querySelectorAll('script[type="application/json"]')) {
    if (seenScripts.has(script)) continue;
    seenScripts.add(script);
    capture("ssr", script.textContent ?? "");
  }
}

wrapFetch();
wrapXhr();
document.addEventListener("DOMContentLoaded", scanScripts);
window.addEventListener("load", scanScripts);
window.addEventListener("message", (event: MessageEvent) => {
  if (event.source !== window || !isWindowMessage(event.data)) return;
  if (event.data.kind !== "replay") return;
  // The isolated script may start listening after we captured: it asks, we resend.
  scanScripts();
  for (const message of kept) post(message);
});
