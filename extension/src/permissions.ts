/**
 * Host permissions for the Ads API origin.
 *
 * The manifest grants the local API (loopback, any port: `make run` and tests pick
 * ports). Any other API origin must be HTTPS and is granted at run time through
 * `optional_host_permissions`, when the user saves it in the options page.
 */

/** Loopback hosts the manifest's `host_permissions` already cover, on any port. */
const BUILT_IN_HOSTS = new Set(["127.0.0.1", "localhost"]);

export type ApiOrigin =
  | { kind: "built-in"; pattern: string }
  | { kind: "optional"; pattern: string }
  | { kind: "invalid"; reason: string };

/** Classifies an API URL by the permission it needs. */
export function apiOrigin(apiUrl: string): ApiOrigin {
  let url: URL;
  try {
    url = new URL(apiUrl.trim());
  } catch {
    return { kind: "invalid", reason: "not a URL (expected e.g. https://api.example.com)" };
  }
  if (url.protocol === "http:" && BUILT_IN_HOSTS.has(url.hostname)) {
    return { kind: "built-in", pattern: `http://${url.hostname}/*` };
  }
  if (url.protocol === "https:") {
    return { kind: "optional", pattern: `https://${url.hostname}/*` };
  }
  return { kind: "invalid", reason: "the API must use https (plain http only on 127.0.0.1 or localhost)" };
}
