/**
 * The HTTP client of the Ads API (and the Backend API's boards), used by the service
 * worker and the options page. Extension pages get host permissions, content scripts
 * do not (they are bound by the page's CORS), hence requests never go from a content
 * script.
 */

import type { Board, Creative, Problem } from "./payload";
import { apiBase } from "./store";

/** Requests that hang must not hold the queue forever. */
const TIMEOUT_MS = 30_000;

/** What one `POST /v1/creatives` came to, from the queue's point of view. */
export type SendResult =
  | { kind: "accepted"; ids: string[] }
  /** Worth retrying later: offline, 5xx, 429, or a token the user can still fix. */
  | { kind: "retry"; error: string; retryAfterMs: number | null }
  /** The API refused this batch for good (400, 422): retrying cannot help. */
  | { kind: "reject"; error: string }
  /** 413: the batch is too large; the queue splits it. */
  | { kind: "too_large"; error: string };

export type Sender = (apiUrl: string, token: string, creatives: Creative[]) => Promise<SendResult>;

function headers(token: string): Record<string, string> {
  const h: Record<string, string> = { Accept: "application/json" };
  if (token !== "") h["Authorization"] = `Bearer ${token}`;
  return h;
}

/** Seconds of a `Retry-After` header as milliseconds; HTTP dates are honoured too. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** A one-line reason from a problem+json body, or the status line. */
async function reason(response: Response): Promise<string> {
  const status = `HTTP ${response.status}`;
  try {
    const problem = (await response.json()) as Partial<Problem>;
    const parts = [problem.title, problem.detail].filter((p) => typeof p === "string" && p !== "");
    return parts.length > 0 ? `${status}: ${parts.join(": ")}` : status;
  } catch {
    return status;
  }
}

export const sendCreatives: Sender = async (apiUrl, token, creatives) => {
  let response: Response;
  try {
    response = await fetch(`${apiBase(apiUrl)}/v1/creatives`, {
      method: "POST",
      headers: { ...headers(token), "Content-Type": "application/json" },
      body: JSON.stringify({ creatives }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    return { kind: "retry", error: `Ads API unreachable at ${apiUrl}: ${String(error)}`, retryAfterMs: null };
  }
  if (response.status === 202 || response.status === 200) {
    try {
      const body = (await response.json()) as { accepted?: unknown };
      const ids = Array.isArray(body.accepted) ? body.accepted.filter((x): x is string => typeof x === "string") : [];
      return { kind: "accepted", ids };
    } catch {
      return { kind: "retry", error: "Ads API answered with a body that is not JSON", retryAfterMs: null };
    }
  }
  const error = await reason(response);
  const after = retryAfterMs(response.headers.get("Retry-After"));
  if (response.status === 401 || response.status === 403) {
    // Kept queued: the user fixes the token in the options page and nothing is lost.
    return { kind: "retry", error: `${error} (check the API token in the options)`, retryAfterMs: after };
  }
  if (response.status === 413) return { kind: "too_large", error };
  if (response.status === 400 || response.status === 422) return { kind: "reject", error };
  return { kind: "retry", error, retryAfterMs: after };
};

export type Answer<T> = { ok: true; value: T } | { ok: false; error: string };

async function getJson<T>(apiUrl: string, token: string, path: string): Promise<Answer<T>> {
  try {
    const response = await fetch(`${apiBase(apiUrl)}${path}`, {
      headers: headers(token),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) return { ok: false, error: await reason(response) };
    return { ok: true, value: (await response.json()) as T };
  } catch (error) {
    return { ok: false, error: `cannot reach ${apiUrl}: ${String(error)}` };
  }
}

/** `GET /v1/whoami`: checks the URL and the token ("Test connection"). */
export function whoami(apiUrl: string, token: string): Promise<Answer<Record<string, unknown>>> {
  return getJson(apiUrl, token, "/v1/whoami");
}

/** `GET /v1/boards`; absent (404) until the Backend API serves boards. */
export async function listBoards(apiUrl: string, token: string): Promise<Answer<Board[]>> {
  const answer = await getJson<{ boards?: unknown }>(apiUrl, token, "/v1/boards");
  if (!answer.ok) return answer;
  const boards = Array.isArray(answer.value.boards) ? answer.value.boards : [];
  return {
    ok: true,
    value: boards.filter(
      (b): b is Board =>
        typeof b === "object" && b !== null && typeof (b as Board).id === "string" && typeof (b as Board).name === "string",
    ),
  };
}
