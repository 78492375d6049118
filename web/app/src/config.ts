/**
 * Build-time settings. `VITE_API_BASE` is where the Backend API answers (same origin under
 * `/api` by default: `mango dev` and the compose proxy route `/api/...` to it);
 * `VITE_ADS_API_URL` is the Ads API URL shown in the extension's setup steps.
 */
export const API_BASE: string = trimSlash(import.meta.env.VITE_API_BASE ?? "/api");

export const ADS_API_URL: string = trimSlash(
  import.meta.env.VITE_ADS_API_URL ?? "http://127.0.0.1:8081",
);

function trimSlash(value: string): string {
  return value.replace(/\/+$/, "");
}
