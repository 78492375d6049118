/** Popup: saved today, pending saves and the last error, from the service worker. */

import type { Request, Status } from "../messages";

function el(id: string): HTMLElement {
  return document.getElementById(id) as HTMLElement;
}

function render(status: Status): void {
  el("savedToday").textContent = String(status.savedToday);
  el("pending").textContent = String(status.pending);
  const when = status.lastErrorAt === null ? "" : ` (${new Date(status.lastErrorAt).toLocaleTimeString()})`;
  el("lastError").textContent = status.lastError === null ? "none" : `${status.lastError}${when}`;
}

async function ask(request: Request): Promise<void> {
  render((await chrome.runtime.sendMessage(request)) as Status);
}

el("retry").addEventListener("click", () => void ask({ type: "retry" }));
el("options").addEventListener("click", () => void chrome.runtime.openOptionsPage());
// The counters change while the popup is open (a batch is accepted): follow storage.
chrome.storage.onChanged.addListener(() => void ask({ type: "status" }));
void ask({ type: "status" });
