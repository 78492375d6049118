/**
 * Build-time settings. `VITE_API_BASE` is where the Backend API answers (same origin under
 * `/api` by default: `mango dev`'s front door and the compose proxy route `/api/...` to
 * it); `VITE_ADS_API_URL` is the Ads API URL shown in the extension's setup steps (by
 * default this origin's `/ads`, which both route to the Ads API).
 */
export const API_BASE: string = trimSlash(import.meta.env.VITE_API_BASE ?? "/api");

export const ADS_API_URL: string = trimSlash(
  import.meta.env.VITE_ADS_API_URL ?? (typeof location === "undefined" ? "/ads" : `${location.origin}/ads`),
);

function trimSlash(value: string): string {
  return value.replace(/\/+$/, "");
}
