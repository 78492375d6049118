/** Popup: saved today, pending saves, the last error and saves not kept offline, from the service worker. */

import type { Request, Status } from "../messages";
import { notKeptMessage } from "../notice";

function el(id: string): HTMLElement {
  return document.getElementById(id) as HTMLElement;
}

function render(status: Status): void {
  el("savedToday").textContent = String(status.savedToday);
  el("pending").textContent = String(status.pending);
  const when = status.lastErrorAt === null ? "" : ` (${new Date(status.lastErrorAt).toLocaleTimeString()})`;
  el("lastError").textContent = status.lastError === null ? "none" : `${status.lastError}${when}`;
  const message = notKeptMessage(status);
  el("notKept").textContent = message ?? "";
  el("notKeptBox").hidden = message === null;
}

async function ask(request: Request): Promise<void> {
  const status = (await chrome.runtime.sendMessage(request)) as Status | { error: string } | undefined;
  if (status === undefined || "error" in status) return;
  render(status);
}

el("retry").addEventListener("click", () => void ask({ type: "retry" }));
el("dismiss").addEventListener("click", () => void ask({ type: "dismiss" }));
el("options").addEventListener("click", () => void chrome.runtime.openOptionsPage());
// The counters change while the popup is open (a batch is accepted): follow storage.
chrome.storage.onChanged.addListener(() => void ask({ type: "status" }));
void ask({ type: "status" });
