/** Options page: API URL and token, with "Test connection" (`GET /v1/whoami`). */

import { whoami } from "../api";
import { apiOrigin } from "../permissions";
import { DEFAULT_API_URL, load, save } from "../store";

const store = chrome.storage.local;

function el<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

const apiUrlInput = el<HTMLInputElement>("apiUrl");
const tokenInput = el<HTMLInputElement>("token");
const result = el<HTMLDivElement>("result");

function show(ok: boolean, message: string): void {
  result.dataset["ok"] = String(ok);
  result.textContent = message;
}

/**
 * Makes sure the extension may call the API's origin. Must run inside the click
 * handler: Chrome only shows the permission prompt for a user gesture.
 */
async function allowOrigin(apiUrl: string): Promise<boolean> {
  const origin = apiOrigin(apiUrl);
  if (origin.kind === "invalid") {
    show(false, `API URL ${apiUrl}: ${origin.reason}`);
    return false;
  }
  if (origin.kind === "built-in") return true;
  const granted = await chrome.permissions.request({ origins: [origin.pattern] });
  if (!granted) show(false, `Permission to reach ${origin.pattern} was refused; saves cannot be sent there.`);
  return granted;
}

el<HTMLFormElement>("form").addEventListener("submit", (event) => {
  event.preventDefault();
  const apiUrl = apiUrlInput.value.trim() || DEFAULT_API_URL;
  void (async () => {
    if (!(await allowOrigin(apiUrl))) return;
    const { settings } = await load(store, ["settings"]);
    try {
      await save(store, { settings: { ...settings, apiUrl, token: tokenInput.value.trim() } });
    } catch (error) {
      return show(false, `The settings could not be stored: ${error instanceof Error ? error.message : String(error)}`);
    }
    show(true, "Saved.");
  })();
});

el<HTMLButtonElement>("test").addEventListener("click", () => {
  const apiUrl = apiUrlInput.value.trim() || DEFAULT_API_URL;
  void (async () => {
    if (!(await allowOrigin(apiUrl))) return;
    show(true, "Testing…");
    const answer = await whoami(apiUrl, tokenInput.value.trim());
    if (!answer.ok) return show(false, `Connection failed: ${answer.error}`);
    const who = ["name", "email", "user_id", "id"].map((k) => answer.value[k]).find((v) => typeof v === "string");
    show(true, `Connected${typeof who === "string" ? ` as ${who}` : ""}.`);
  })();
});

void load(store, ["settings"]).then(({ settings }) => {
  apiUrlInput.value = settings.apiUrl;
  tokenInput.value = settings.token;
});
