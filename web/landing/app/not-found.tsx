import type { Metadata } from "next";

import { Logo } from "@/components/Logo";
import { SIGNUP_URL, SITE_NAME } from "@/lib/site";

export const metadata: Metadata = {
  title: `Page not found · ${SITE_NAME}`,
  robots: { index: false, follow: true },
};

/** out/404.html: what the static server answers for unknown paths. */
export default function NotFound() {
  return (
    <main id="main" className="not-found wrap narrow center">
      <p className="brand">
        <Logo id="logo-404" size={48} />
        <span>{SITE_NAME}</span>
      </p>
      <h1>This page could not be found</h1>
      <p className="lead">The link may be old, or the address mistyped.</p>
      <p className="cta-row not-found-actions">
        <a className="button" href="/">
          Go to the home page
        </a>
        <a className="button button-secondary" href={SIGNUP_URL}>
          Sign up
        </a>
      </p>
    </main>
  );
}
