import type { MetadataRoute } from "next";

import { APP_URL, SITE_URL } from "@/lib/site";

export const dynamic = "force-static";

export default function robots(): MetadataRoute.Robots {
  return {
    rules: { userAgent: "*", allow: "/", disallow: APP_URL.startsWith("/") ? APP_URL : [] },
    sitemap: new URL("sitemap.xml", SITE_URL).toString(),
  };
}
