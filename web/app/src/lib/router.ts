/**
 * Hash routes (`#/library?q=shoes`), so the built app works from any static server under
 * /app/ without a fallback rule. A route is a pattern with `:params`.
 */
export interface Route {
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, "") || "/";
  const [pathPart, queryPart] = raw.split("?", 2) as [string, string | undefined];
  const path = pathPart.startsWith("/") ? pathPart : `/${pathPart}`;
  return { path, params: {}, query: new URLSearchParams(queryPart ?? "") };
}

/** Matches `/creatives/:id` against `/creatives/abc`; null when it does not fit. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const have = path.split("/").filter(Boolean);
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const w = want[i] as string;
    const v = have[i] as string;
    if (w.startsWith(":")) params[w.slice(1)] = decodeURIComponent(v);
    else if (w !== v) return null;
  }
  return params;
}

export function href(path: string, query?: URLSearchParams | Record<string, string>): string {
  const search = query instanceof URLSearchParams ? query : new URLSearchParams(query ?? {});
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

export function navigate(path: string, query?: URLSearchParams | Record<string, string>): void {
  const target = href(path, query);
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = target;
}
