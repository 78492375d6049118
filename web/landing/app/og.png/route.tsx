import { ImageResponse } from "next/og";

import { SITE_NAME } from "@/lib/site";

// /og.png: rendered once at build time into a PNG (static export), the card that social
// networks show for a shared link (Open Graph and Twitter tags in app/layout.tsx).
export const dynamic = "force-static";

const size = { width: 1200, height: 630 };

export function GET(): ImageResponse {
  return new ImageResponse(
    (
      <div
        style={{
          width: "100%",
          height: "100%",
          display: "flex",
          flexDirection: "column",
          justifyContent: "center",
          padding: "80px",
          background: "linear-gradient(135deg, #fff8ec 0%, #fde7c0 100%)",
          color: "#1f1300",
        }}
      >
        <div style={{ display: "flex", alignItems: "center", gap: "24px", fontSize: 44, fontWeight: 700 }}>
          <svg width="88" height="88" viewBox="0 0 64 64">
            <path
              d="M33 14c13 0 23 10 23 23 0 12-9 21-22 21C19 58 8 49 8 37c0-9 6-14 12-17 4-3 8-6 13-6z"
              fill="#f59e0b"
            />
            <path d="M33 15c1-6 5-10 12-11-1 7-5 11-12 11z" fill="#15803d" />
          </svg>
          {SITE_NAME}
        </div>
        <div style={{ display: "flex", fontSize: 72, fontWeight: 700, marginTop: 40, lineHeight: 1.1 }}>
          Save the ads that work. Keep them for good.
        </div>
        <div style={{ display: "flex", fontSize: 34, marginTop: 32, color: "#5b4a3a" }}>
          One-click saves from the Facebook Ads Library, archived media, briefs and scripts.
        </div>
      </div>
    ),
    size,
  );
}
