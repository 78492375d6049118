import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, filtersToQuery } from "../src/api/client";
import { fakeFetch } from "./helpers";

function client(respond: Parameters<typeof fakeFetch>[0], cookie: string | null = null) {
  const fake = fakeFetch(respond);
  const api = new ApiClient({ baseUrl: "/api/", fetch: fake.fetch, readCookie: () => cookie });
  return { api, calls: fake.calls };
}

describe("ApiClient", () => {
  it("sends the CSRF cookie's value on writes and not on reads", async () => {
    const { api, calls } = client(() => ({ status: 201, body: { id: "b1", name: "Hooks", created_at: "", creative_count: 0 } }), "csrf-123");
    await api.createBoard("Hooks");
    await api.listBoards().catch(() => undefined);
    expect(calls[0]!.method).toBe("POST");
    expect(calls[0]!.url).toBe("/api/v1/boards");
    expect(calls[0]!.headers["X-CSRF-Token"]).toBe("csrf-123");
    expect(calls[0]!.body).toEqual({ name: "Hooks" });
    expect(calls[1]!.method).toBe("GET");
    expect(calls[1]!.headers["X-CSRF-Token"]).toBeUndefined();
  });

  it("falls back to the csrf_token of the last sign-in when the cookie is unreadable", async () => {
    const { api, calls } = client((req) =>
      req.url.endsWith("/auth/login")
        ? { body: { user: { id: "u", email: "a@b.c", created_at: "" }, csrf_token: "from-body", expires_at: "", session_token: null } }
        : { status: 204 },
    );
    await api.login("a@b.c", "secret-password");
    await api.logout();
    expect(calls[0]!.body).toEqual({ email: "a@b.c", password: "secret-password", transport: "cookie" });
    expect(calls[0]!.headers["X-CSRF-Token"]).toBeUndefined();
    expect(calls[1]!.headers["X-CSRF-Token"]).toBe("from-body");
  });

  it("turns problem+json into an ApiError naming the field", async () => {
    const { api } = client(() => ({
      status: 400,
      body: { type: "urn:mango:problem:validation", title: "Invalid", status: 400, detail: "Expected at least 10 characters", field: "$.password", errors: [{ path: "$.password", message: "too short" }] },
    }));
    const error = await api.signup("a@b.c", "short").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.message).toBe("Expected at least 10 characters");
    expect(apiError.messageFor("password")).toBe("too short");
    expect(apiError.messageFor("email")).toBeNull();
  });

  it("reads Retry-After and has a readable default message", async () => {
    const { api } = client(() => ({ status: 429, headers: { "Retry-After": "7" } }));
    const error = (await api.me().catch((e: unknown) => e)) as ApiError;
    expect(error.retryAfter).toBe(7);
    expect(error.message).toMatch(/Too many attempts/);
  });

  it("reports an unreachable server as status 0", async () => {
    const api = new ApiClient({ baseUrl: "/api", fetch: () => Promise.reject(new TypeError("Failed to fetch")), readCookie: () => null });
    const error = (await api.me().catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(0);
    expect(error.message).toMatch(/Cannot reach/);
  });

  it("calls onUnauthorized on a 401 except when signing in", async () => {
    const { api } = client(() => ({ status: 401, body: { title: "Unauthorized", detail: "wrong email or password", status: 401 } }));
    const spy = vi.fn();
    api.onUnauthorized = spy;
    await api.login("a@b.c", "0123456789").catch(() => undefined);
    expect(spy).not.toHaveBeenCalled();
    await api.listBoards().catch(() => undefined);
    expect(spy).toHaveBeenCalledOnce();
  });

  it("builds list queries with filters, limit and cursor, leaving out empty values", async () => {
    const { api, calls } = client(() => ({ body: { items: [], next_cursor: null } }));
    await api.listCreatives({ q: " shoes ", platform: "instagram", active: "", tag: "" }, "abc==", 24);
    const url = new URL(calls[0]!.url, "http://x");
    expect(url.pathname).toBe("/api/v1/creatives");
    expect(Object.fromEntries(url.searchParams)).toEqual({ q: "shoes", platform: "instagram", limit: "24", cursor: "abc==" });
    expect(filtersToQuery({ min_days_running: "30" }).toString()).toBe("min_days_running=30");
  });

  it("keeps the relevance_window of a creatives page, null when the server leaves it out", async () => {
    const item = { id: "c1" };
    const { api } = client((req) =>
      req.url.includes("q=")
        ? { body: { items: [item], next_cursor: "n", relevance_window: 2000 } }
        : { body: { items: [item], next_cursor: null } },
    );
    expect(await api.listCreatives({ q: "shoes" }, null)).toEqual({ items: [item], next_cursor: "n", relevance_window: 2000 });
    expect(await api.listCreatives({}, null)).toEqual({ items: [item], next_cursor: null, relevance_window: null });
  });

  it("maps API media paths under its base URL", () => {
    const api = new ApiClient({ baseUrl: "/api", fetch: vi.fn(), readCookie: () => null });
    expect(api.url("/v1/media/17")).toBe("/api/v1/media/17");
    expect(api.url("https://s3.example/x.jpg")).toBe("https://s3.example/x.jpg");
  });

  it("returns undefined for 204 answers", async () => {
    const { api, calls } = client(() => ({ status: 204 }), "t");
    await expect(api.removeFromBoard("b/1", "c 2")).resolves.toBeUndefined();
    expect(calls[0]!.url).toBe("/api/v1/boards/b%2F1/creatives/c%202");
    expect(calls[0]!.method).toBe("DELETE");
  });
});

describe("content tasks", () => {
  it("reads the task list as items or tasks", async () => {
    const task = { id: "t1", kind: "brief", status: "done" };
    const fake = fakeFetch((req) => ({ body: req.url.includes("cursor") ? { items: [task], next_cursor: null } : { tasks: [task], next_cursor: "n" } }));
    const api = new ApiClient({ baseUrl: "/api", fetch: fake.fetch, readCookie: () => null });
    expect(await api.listContentTasks(null)).toEqual({ items: [task], next_cursor: "n" });
    expect(await api.listContentTasks("n")).toEqual({ items: [task], next_cursor: null });
  });

  it("posts the kind, the creatives and the parameters", async () => {
    const fake = fakeFetch(() => ({ status: 202, body: { id: "t1" } }));
    const api = new ApiClient({ baseUrl: "/api", fetch: fake.fetch, readCookie: () => "c" });
    await api.createContentTask("copy_variants", ["a", "b"], { count: 3, tone: "playful" });
    expect(fake.calls[0]!.body).toEqual({ kind: "copy_variants", creative_ids: ["a", "b"], parameters: { count: 3, tone: "playful" } });
    expect(fake.calls[0]!.headers["X-CSRF-Token"]).toBe("c");
  });
});
