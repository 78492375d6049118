import { HeroIllustration, Icon, type IconName } from "@/components/Illustrations";
import { Logo } from "@/components/Logo";
import {
  ADS_LIBRARY_URL,
  APP_URL,
  EXTENSION_ZIP_URL,
  LOGIN_URL,
  SIGNUP_URL,
  SITE_NAME,
  TOKENS_URL,
} from "@/lib/site";

type Feature = { icon: IconName; title: string; body: string };

const FEATURES: Feature[] = [
  {
    icon: "click",
    title: "Save in one click",
    body:
      "Browse the Facebook Ads Library as usual. The extension adds a Save button to every " +
      "ad, and “Save all on this page” with a board picker when you want the lot.",
  },
  {
    icon: "archive",
    title: "Media archived for good",
    body:
      "Meta’s image and video links stop working after a day or two. Magic Mango downloads " +
      "the media right after you save, so your swipe file never fills with blank tiles.",
  },
  {
    icon: "search",
    title: "A library you can search",
    body:
      "Full-text search and filters by brand, format, platform and status. Badges show how " +
      "many days an ad has been running, whether it is still active and how many versions it has.",
  },
  {
    icon: "boards",
    title: "Boards, tags and notes",
    body:
      "Group creatives into boards by client, hook or campaign, tag them, and write down why " +
      "an ad caught your eye while you still remember.",
  },
  {
    icon: "spark",
    title: "From saved ads to new content",
    body:
      "Pick one or more saved ads and get a creative brief, ad-copy variants or a video " +
      "script outline built from what already works.",
  },
  {
    icon: "shield",
    title: "No silent failures",
    body:
      "If Meta changes its page, the extension says saving is paused instead of pretending. " +
      "Saves made while offline wait in a queue and arrive exactly once.",
  },
];

type Step = { icon: IconName; title: string; body: string };

const STEPS: Step[] = [
  {
    icon: "browser",
    title: "Extension",
    body:
      "Open the Ads Library and press Save on the ads you like. The extension reads what the " +
      "page already loaded: it never browses Facebook on its own.",
  },
  {
    icon: "grid",
    title: "Library",
    body:
      "Each ad lands in your library with its texts, advertiser, platforms, dates and every " +
      "card of a carousel, with the images and videos stored on our side.",
  },
  {
    icon: "doc",
    title: "Content",
    body:
      "Select creatives and ask for a brief, copy variants or a script outline. The result " +
      "appears as soon as it is done, ready to copy into your next test.",
  },
];

type Question = { q: string; a: string };

const FAQ: Question[] = [
  {
    q: "Which browsers does the extension work in?",
    a:
      "Google Chrome and other Chromium-based browsers (Edge, Brave, Arc) from version 111. It " +
      "is a Manifest V3 extension.",
  },
  {
    q: "What can the extension see?",
    a:
      "Only pages of the Facebook Ads Library (facebook.com/ads/library) and your Magic Mango " +
      "server. It asks for no other site and sends nothing until you press Save.",
  },
  {
    q: "Why does Magic Mango download the media?",
    a:
      "The Ads Library serves images and videos from signed links that expire within a day or " +
      "two. Saving a link is not enough, so Magic Mango keeps its own copy of every file.",
  },
  {
    q: "What happens when an ad has several versions?",
    a:
      "Versions are grouped under one creative with a version badge, instead of filling your " +
      "library with near-duplicates.",
  },
  {
    q: "Is it on the Chrome Web Store?",
    a:
      "Not yet. For now you load it from the release zip in Developer mode (see the steps " +
      "above); a Chrome Web Store listing will follow, with automatic updates.",
  },
];

function Cta({ children, variant = "primary" }: { children: string; variant?: "primary" | "light" }) {
  return (
    <a className={`button button-${variant}`} href={SIGNUP_URL} data-cta="signup">
      {children}
    </a>
  );
}

export default function Home() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="wrap header-row">
          <a className="brand" href="/" aria-label={`${SITE_NAME} home`}>
            <Logo id="logo-header" />
            <span>{SITE_NAME}</span>
          </a>
          <nav aria-label="Main">
            <ul className="nav-list">
              <li className="nav-optional">
                <a href="#features">Features</a>
              </li>
              <li className="nav-optional">
                <a href="#how-it-works">How it works</a>
              </li>
              <li className="nav-optional">
                <a href="#install">Install</a>
              </li>
              <li>
                <a href={LOGIN_URL}>Log in</a>
              </li>
              <li>
                <a className="button button-small" href={SIGNUP_URL}>
                  Sign up
                </a>
              </li>
            </ul>
          </nav>
        </div>
      </header>

      <main id="main">
        <section className="hero" aria-labelledby="hero-title">
          <div className="wrap hero-grid">
            <div className="hero-copy">
              <p className="eyebrow">For media buyers, creative strategists and agencies</p>
              <h1 id="hero-title">
                Save the ads that work. <span className="accent">Keep them for good.</span>
              </h1>
              <p className="lead">
                Magic Mango saves creatives from the Facebook Ads Library in one click, archives
                their images and videos before Meta’s links expire, and turns them into briefs,
                ad-copy variants and video script outlines.
              </p>
              <div className="cta-row">
                <Cta>Sign up</Cta>
                <a className="button button-secondary" href="#install">
                  Install the extension
                </a>
              </div>
              <p className="fine-print">
                Works in Chrome and Chromium-based browsers. Your library lives in the{" "}
                <a href={APP_URL}>Magic Mango app</a>.
              </p>
            </div>
            <HeroIllustration />
          </div>
        </section>

        <section id="features" className="section" aria-labelledby="features-title">
          <div className="wrap">
            <h2 id="features-title">What Magic Mango does</h2>
            <p className="section-lead">
              A swipe file that stays complete, stays searchable and feeds your next creative.
            </p>
            <ul className="card-grid" role="list">
              {FEATURES.map((feature) => (
                <li key={feature.title} className="card">
                  <Icon name={feature.icon} />
                  <h3>{feature.title}</h3>
                  <p>{feature.body}</p>
                </li>
              ))}
            </ul>
          </div>
        </section>

        <section id="how-it-works" className="section section-tinted" aria-labelledby="how-title">
          <div className="wrap">
            <h2 id="how-title">How it works</h2>
            <p className="section-lead">Extension, library, content: three steps, no copy and paste.</p>
            <ol className="steps">
              {STEPS.map((step, index) => (
                <li key={step.title} className="step">
                  <span className="step-number" aria-hidden="true">
                    {index + 1}
                  </span>
                  <Icon name={step.icon} />
                  <h3>{step.title}</h3>
                  <p>{step.body}</p>
                </li>
              ))}
            </ol>
          </div>
        </section>

        <section id="install" className="section" aria-labelledby="install-title">
          <div className="wrap install-grid">
            <div>
              <h2 id="install-title">Install the extension</h2>
              <p className="section-lead">
                The Chrome Web Store listing is on its way. Until then, load the extension from
                the release zip: it takes about a minute.
              </p>
              <p>
                <a className="button button-secondary" href={EXTENSION_ZIP_URL} download>
                  Download the extension (.zip)
                </a>
              </p>
            </div>
            <ol className="install-steps">
              <li>
                <h3>Unzip it</h3>
                <p>Unzip <code>magic-mango-extension.zip</code> into a folder you will keep.</p>
              </li>
              <li>
                <h3>Turn on Developer mode</h3>
                <p>
                  Open <code>chrome://extensions</code> in the address bar and switch on
                  “Developer mode” (top right).
                </p>
              </li>
              <li>
                <h3>Load unpacked</h3>
                <p>Press “Load unpacked” and choose the unzipped folder. Pin Magic Mango to the toolbar.</p>
              </li>
              <li>
                <h3>Connect it to your account</h3>
                <p>
                  <a href={SIGNUP_URL}>Sign up</a>, create a token on the app’s{" "}
                  <a href={TOKENS_URL}>API tokens</a> page, and paste it in the extension’s
                  options with your server’s address. Press “Test connection”.
                </p>
              </li>
              <li>
                <h3>Start saving</h3>
                <p>
                  Open the <a href={ADS_LIBRARY_URL} rel="noopener">Facebook Ads Library</a>: every
                  ad now has a Save button.
                </p>
              </li>
            </ol>
          </div>
        </section>

        <section id="faq" className="section section-tinted" aria-labelledby="faq-title">
          <div className="wrap narrow">
            <h2 id="faq-title">Questions</h2>
            <div className="faq">
              {FAQ.map((item) => (
                <details key={item.q}>
                  <summary>{item.q}</summary>
                  <p>{item.a}</p>
                </details>
              ))}
            </div>
          </div>
        </section>

        <section className="section cta-band" aria-labelledby="cta-title">
          <div className="wrap narrow center">
            <h2 id="cta-title">Start a swipe file that keeps</h2>
            <p>Create your account, install the extension, and save your first ad today.</p>
            <Cta variant="light">Create your account</Cta>
          </div>
        </section>
      </main>

      <footer className="site-footer">
        <div className="wrap footer-row">
          <p className="brand brand-footer">
            <Logo id="logo-footer" size={24} />
            <span>{SITE_NAME}</span>
          </p>
          <nav aria-label="Footer">
            <ul className="footer-links">
              <li>
                <a href="#features">Features</a>
              </li>
              <li>
                <a href="#how-it-works">How it works</a>
              </li>
              <li>
                <a href="#install">Install</a>
              </li>
              <li>
                <a href="#faq">FAQ</a>
              </li>
              <li>
                <a href={LOGIN_URL}>Log in</a>
              </li>
              <li>
                <a href={SIGNUP_URL}>Sign up</a>
              </li>
            </ul>
          </nav>
          <p className="footer-note">
            Magic Mango is not affiliated with Meta. Facebook is a trademark of Meta Platforms, Inc.
          </p>
        </div>
      </footer>
    </>
  );
}
