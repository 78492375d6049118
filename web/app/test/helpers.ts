/** A fake fetch that answers from a list of handlers and records every request. */
export interface Recorded {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

export type Answer = { status?: number; body?: unknown; headers?: Record<string, string> };

export function fakeFetch(respond: (req: Recorded) => Answer | Promise<Answer>) {
  const calls: Recorded[] = [];
  const fetchImpl = async (input: string, init?: RequestInit): Promise<Response> => {
    const req: Recorded = {
      url: input,
      method: init?.method ?? "GET",
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: typeof init?.body === "string" ? JSON.parse(init.body) : undefined,
    };
    calls.push(req);
    const answer = await respond(req);
    const status = answer.status ?? 200;
    const text = answer.body === undefined ? null : JSON.stringify(answer.body);
    return new Response(status === 204 ? null : text, {
      status,
      headers: { "Content-Type": status >= 400 ? "application/problem+json" : "application/json", ...(answer.headers ?? {}) },
    });
  };
  return { calls, fetch: fetchImpl };
}
