/**
 * The Backend API client: JSON in and out, the session cookie sent by the browser, and the
 * CSRF header (the `mango_csrf` cookie's value, or the one the last sign-in returned) on
 * every request that changes something. Errors come back as {@link ApiError} built from
 * the problem+json body.
 */
import type {
  ApiToken,
  AuthAnswer,
  Board,
  ContentKind,
  ContentTask,
  CreativeDetail,
  CreativeFilters,
  CreativePage,
  NewApiToken,
  Page,
  TagCount,
  User,
} from "./types";

export interface FieldError {
  path: string;
  message: string;
}

/** Raised when the API answers with an error status (or cannot be reached: status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly field: string | null;
  readonly errors: FieldError[];
  readonly retryAfter: number | null;

  constructor(
    status: number,
    message: string,
    options: { type?: string; field?: string | null; errors?: FieldError[]; retryAfter?: number | null } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.type = options.type ?? "about:blank";
    this.field = options.field ?? null;
    this.errors = options.errors ?? [];
    this.retryAfter = options.retryAfter ?? null;
  }

  /** The message of the error about `field` (`"email"` matches `$.email`), if any. */
  messageFor(field: string): string | null {
    const wanted = `$.${field}`;
    const hit = this.errors.find((e) => e.path === wanted || e.path === field);
    if (hit) return hit.message;
    if (this.field === wanted || this.field === field) return this.message;
    return null;
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface ClientOptions {
  baseUrl: string;
  fetch?: Fetch;
  /** Reads the CSRF cookie; defaults to `document.cookie`. */
  readCookie?: (name: string) => string | null;
}

export function readDocumentCookie(name: string): string | null {
  if (typeof document === "undefined") return null;
  for (const part of document.cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export class ApiClient {
  readonly baseUrl: string;
  private readonly fetchImpl: Fetch;
  private readonly readCookie: (name: string) => string | null;
  private csrfToken: string | null = null;
  /** Called on a 401 from anything but signing in (the session ended). */
  onUnauthorized: (() => void) | null = null;

  constructor(options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.readCookie = options.readCookie ?? readDocumentCookie;
  }

  /** An absolute-to-the-app URL for a path the API returned (e.g. `/v1/media/17`). */
  url(path: string): string {
    if (/^https?:\/\//.test(path)) return path;
    return `${this.baseUrl}${path.startsWith("/") ? "" : "/"}${path}`;
  }

  async request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (!SAFE_METHODS.has(method)) {
      const csrf = this.readCookie("mango_csrf") ?? this.csrfToken;
      if (csrf) headers["X-CSRF-Token"] = csrf;
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(path), {
        method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
        credentials: "same-origin",
        signal: signal ?? null,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new ApiError(0, "Cannot reach the server. Check your connection and try again.");
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    let data: unknown = null;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null;
      }
    }
    if (!response.ok) {
      if (response.status === 401 && !path.startsWith("/v1/auth/") && path !== "/v1/me") this.onUnauthorized?.();
      throw problemError(response, data);
    }
    return data as T;
  }

  // Accounts
  async signup(email: string, password: string): Promise<AuthAnswer> {
    const answer = await this.request<AuthAnswer>("POST", "/v1/auth/signup", { email, password, transport: "cookie" });
    this.csrfToken = answer.csrf_token;
    return answer;
  }

  async login(email: string, password: string): Promise<AuthAnswer> {
    const answer = await this.request<AuthAnswer>("POST", "/v1/auth/login", { email, password, transport: "cookie" });
    this.csrfToken = answer.csrf_token;
    return answer;
  }

  async logout(): Promise<void> {
    await this.request<void>("POST", "/v1/auth/logout");
    this.csrfToken = null;
  }

  me(): Promise<User> {
    return this.request<User>("GET", "/v1/me");
  }

  // API tokens
  async listTokens(): Promise<ApiToken[]> {
    return (await this.request<{ tokens: ApiToken[] }>("GET", "/v1/tokens")).tokens;
  }

  createToken(name: string): Promise<NewApiToken> {
    return this.request<NewApiToken>("POST", "/v1/tokens", { name });
  }

  revokeToken(id: string): Promise<void> {
    return this.request<void>("DELETE", `/v1/tokens/${encodeURIComponent(id)}`);
  }

  // Library
  async listCreatives(
    filters: CreativeFilters,
    cursor: string | null,
    limit = 30,
    signal?: AbortSignal,
  ): Promise<CreativePage> {
    const query = filtersToQuery(filters);
    query.set("limit", String(limit));
    if (cursor) query.set("cursor", cursor);
    const page = await this.request<Partial<CreativePage>>("GET", `/v1/creatives?${query.toString()}`, undefined, signal);
    // A server from before relevance_window answers without it: every match was ranked.
    return { items: page.items ?? [], next_cursor: page.next_cursor ?? null, relevance_window: page.relevance_window ?? null };
  }

  getCreative(id: string): Promise<CreativeDetail> {
    return this.request<CreativeDetail>("GET", `/v1/creatives/${encodeURIComponent(id)}`);
  }

  setNote(id: string, note: string): Promise<{ note: string | null; updated_at: string | null }> {
    return this.request("PUT", `/v1/creatives/${encodeURIComponent(id)}/note`, { note });
  }

  async setTags(id: string, tags: string[]): Promise<string[]> {
    return (await this.request<{ tags: string[] }>("PUT", `/v1/creatives/${encodeURIComponent(id)}/tags`, { tags })).tags;
  }

  async listTags(): Promise<TagCount[]> {
    return (await this.request<{ tags: TagCount[] }>("GET", "/v1/tags")).tags;
  }

  // Boards
  async listBoards(): Promise<Board[]> {
    return (await this.request<{ boards: Board[] }>("GET", "/v1/boards")).boards;
  }

  createBoard(name: string): Promise<Board> {
    return this.request<Board>("POST", "/v1/boards", { name });
  }

  renameBoard(id: string, name: string): Promise<Board> {
    return this.request<Board>("PATCH", `/v1/boards/${encodeURIComponent(id)}`, { name });
  }

  deleteBoard(id: string): Promise<void> {
    return this.request<void>("DELETE", `/v1/boards/${encodeURIComponent(id)}`);
  }

  async addToBoard(boardId: string, creativeIds: string[]): Promise<number> {
    const answer = await this.request<{ added: number }>("POST", `/v1/boards/${encodeURIComponent(boardId)}/creatives`, {
      creative_ids: creativeIds,
    });
    return answer.added;
  }

  removeFromBoard(boardId: string, creativeId: string): Promise<void> {
    return this.request<void>(
      "DELETE",
      `/v1/boards/${encodeURIComponent(boardId)}/creatives/${encodeURIComponent(creativeId)}`,
    );
  }

  // Content
  createContentTask(kind: ContentKind, creativeIds: string[], parameters: Record<string, unknown> = {}): Promise<ContentTask> {
    return this.request<ContentTask>("POST", "/v1/content-tasks", { kind, creative_ids: creativeIds, parameters });
  }

  async listContentTasks(cursor: string | null, limit = 30): Promise<Page<ContentTask>> {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set("cursor", cursor);
    const page = await this.request<Page<ContentTask> & { tasks?: ContentTask[] }>("GET", `/v1/content-tasks?${query.toString()}`);
    // docs/backend-api.md says `items`; the server answered `tasks` at one point: take either.
    return { items: page.items ?? page.tasks ?? [], next_cursor: page.next_cursor ?? null };
  }

  getContentTask(id: string, signal?: AbortSignal): Promise<ContentTask> {
    return this.request<ContentTask>("GET", `/v1/content-tasks/${encodeURIComponent(id)}`, undefined, signal);
  }
}

/** The query string of a filter set, leaving out empty values. */
export function filtersToQuery(filters: CreativeFilters): URLSearchParams {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (typeof value === "string" && value.trim() !== "") query.set(key, value.trim());
  }
  return query;
}

function problemError(response: Response, data: unknown): ApiError {
  const problem = (data && typeof data === "object" ? data : {}) as Record<string, unknown>;
  const retryHeader = response.headers.get("Retry-After");
  const retryAfter = retryHeader && /^\d+$/.test(retryHeader) ? Number(retryHeader) : null;
  const detail = typeof problem.detail === "string" && problem.detail ? problem.detail : null;
  const title = typeof problem.title === "string" && problem.title ? problem.title : null;
  const message = detail ?? title ?? defaultMessage(response.status);
  const errors = Array.isArray(problem.errors)
    ? problem.errors
        .filter((e): e is FieldError => !!e && typeof e === "object" && typeof (e as FieldError).message === "string")
        .map((e) => ({ path: String(e.path ?? ""), message: e.message }))
    : [];
  return new ApiError(response.status, message, {
    type: typeof problem.type === "string" ? problem.type : "about:blank",
    field: typeof problem.field === "string" ? problem.field : null,
    errors,
    retryAfter,
  });
}

function defaultMessage(status: number): string {
  switch (status) {
    case 401:
      return "Please log in again.";
    case 403:
      return "You are not allowed to do this.";
    case 404:
      return "Not found.";
    case 409:
      return "That conflicts with something that already exists.";
    case 413:
      return "That is too large.";
    case 429:
      return "Too many attempts. Wait a moment and try again.";
    case 503:
      return "The service is busy. Try again in a moment.";
    default:
      return `The server answered ${status}.`;
  }
}
