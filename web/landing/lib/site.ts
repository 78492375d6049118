/**
 * Build-time settings of the landing page, read from `NEXT_PUBLIC_*` environment variables
 * when `next build` runs (the export is static: nothing is read at request time).
 *
 * - `NEXT_PUBLIC_APP_URL`: where the main application lives (default `/app/`). The app
 *   (web/app) routes by hash, so the call to action links to `${APP_URL}#/signup`.
 * - `NEXT_PUBLIC_SITE_URL`: the public origin of this page, for the sitemap, robots.txt,
 *   the canonical link and Open Graph URLs (default `http://localhost:8080`).
 * - `NEXT_PUBLIC_EXTENSION_ZIP_URL`: the extension's release zip (default
 *   `/downloads/magic-mango-extension.zip`, the file `make extension` builds).
 */

function withTrailingSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

function setting(name: string, fallback: string): string {
  const value = process.env[name]?.trim();
  return value ? value : fallback;
}

export const APP_URL = withTrailingSlash(setting("NEXT_PUBLIC_APP_URL", "/app/"));
export const SIGNUP_URL = `${APP_URL}#/signup`;
export const LOGIN_URL = `${APP_URL}#/login`;
export const TOKENS_URL = `${APP_URL}#/tokens`;
export const SITE_URL = withTrailingSlash(setting("NEXT_PUBLIC_SITE_URL", "http://localhost:8080"));
export const EXTENSION_ZIP_URL = setting(
  "NEXT_PUBLIC_EXTENSION_ZIP_URL",
  "/downloads/magic-mango-extension.zip",
);
export const ADS_LIBRARY_URL = "https://www.facebook.com/ads/library/";

export const SITE_NAME = "Magic Mango";
export const TITLE = "Magic Mango: save Facebook Ads Library creatives for good";
export const DESCRIPTION =
  "Save ads from the Facebook Ads Library in one click. Magic Mango archives the media " +
  "before Meta's links expire, gives you a searchable library with boards, tags and notes, " +
  "and turns saved ads into briefs, ad-copy variants and video script outlines.";
