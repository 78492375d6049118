/**
 * Inline SVG illustrations: no image requests, crisp at any size, a few kilobytes each.
 * The hero picture has a text alternative; the small icons are decorative.
 */

const INK = "#1f1300";
const MUTED = "#6b5a4a";
const LINE = "#e7d8c3";
const MANGO = "#f59e0b";
const ORANGE = "#9a3412";

function Bar({ x, y, w, fill = LINE }: { x: number; y: number; w: number; fill?: string }) {
  return <rect x={x} y={y} width={w} height={8} rx={4} fill={fill} />;
}

function Badge({ x, y, w, label, fill, color }: {
  x: number;
  y: number;
  w: number;
  label: string;
  fill: string;
  color: string;
}) {
  return (
    <g>
      <rect x={x} y={y} width={w} height={18} rx={9} fill={fill} />
      <text x={x + w / 2} y={y + 12.5} textAnchor="middle" fontSize="10" fontWeight="600" fill={color}>
        {label}
      </text>
    </g>
  );
}

function LibraryTile({ x, y, hue, days, versions }: {
  x: number;
  y: number;
  hue: string;
  days: string;
  versions: string;
}) {
  return (
    <g>
      <rect x={x} y={y} width={104} height={112} rx={10} fill="#fff" stroke={LINE} />
      <rect x={x + 8} y={y + 8} width={88} height={50} rx={6} fill={hue} />
      <Badge x={x + 8} y={y + 66} w={54} label={days} fill="#fef3c7" color="#78350f" />
      <Badge x={x + 66} y={y + 66} w={30} label={versions} fill="#ffedd5" color={ORANGE} />
      <Bar x={x + 8} y={y + 92} w={72} />
    </g>
  );
}

/** The hero picture: an Ads Library card with a Save button, flowing into the library. */
export function HeroIllustration() {
  return (
    <svg
      className="hero-art"
      viewBox="0 0 560 440"
      role="img"
      aria-labelledby="hero-art-title hero-art-desc"
    >
      <title id="hero-art-title">Saving an ad from the Facebook Ads Library into Magic Mango</title>
      <desc id="hero-art-desc">
        An ad card in the Ads Library shows a Save button added by the Magic Mango extension; the
        saved ad appears in the library with badges for days running and number of versions.
      </desc>
      <defs>
        <linearGradient id="hero-media" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#fde68a" />
          <stop offset="1" stopColor="#fb923c" />
        </linearGradient>
        <linearGradient id="hero-media-2" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#bbf7d0" />
          <stop offset="1" stopColor="#34d399" />
        </linearGradient>
        <linearGradient id="hero-media-3" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#bfdbfe" />
          <stop offset="1" stopColor="#818cf8" />
        </linearGradient>
        <linearGradient id="hero-media-4" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#fecdd3" />
          <stop offset="1" stopColor="#f472b6" />
        </linearGradient>
      </defs>

      {/* The browser window with the Ads Library. */}
      <rect x="8" y="12" width="330" height="330" rx="16" fill="#fff" stroke={LINE} strokeWidth="2" />
      <path d="M8 28a16 16 0 0 1 16-16h298a16 16 0 0 1 16 16v18H8z" fill="#f6eee2" />
      <circle cx="30" cy="30" r="5" fill="#f87171" />
      <circle cx="46" cy="30" r="5" fill="#fbbf24" />
      <circle cx="62" cy="30" r="5" fill="#34d399" />
      <rect x="80" y="21" width="238" height="18" rx="9" fill="#fff" />
      <text x="92" y="34" fontSize="11" fill={MUTED}>facebook.com/ads/library</text>

      {/* One ad card. */}
      <rect x="28" y="62" width="290" height="262" rx="12" fill="#fffdf9" stroke={LINE} />
      <circle cx="52" cy="88" r="12" fill="#fed7aa" />
      <text x="72" y="86" fontSize="12" fontWeight="700" fill={INK}>Sunny Juice Co.</text>
      <text x="72" y="101" fontSize="10" fill={MUTED}>Library ID: 4820193377</text>
      <Bar x={44} y={114} w={250} />
      <Bar x={44} y={128} w={190} />
      <rect x="44" y="144" width="258" height="118" rx="8" fill="url(#hero-media)" />
      <path d="M160 186l34 17-34 17z" fill="#fff" opacity="0.9" />
      <Badge x={44} y={274} w={96} label="Active · 42 days" fill="#dcfce7" color="#14532d" />
      <Badge x={146} y={274} w={70} label="3 versions" fill="#ffedd5" color={ORANGE} />

      {/* The Save button the extension adds, with a pointer on it. */}
      <rect x="222" y="292" width="80" height="26" rx="13" fill={ORANGE} />
      <text x="262" y="309" textAnchor="middle" fontSize="12" fontWeight="700" fill="#fff">
        Save
      </text>
      <path
        d="M286 304l0 26 7-6 5 11 5-2-5-11 9 0z"
        fill="#fff"
        stroke={INK}
        strokeWidth="2"
        strokeLinejoin="round"
      />

      {/* The arrow into the library. */}
      <path
        d="M318 190c60 0 92 14 104 50"
        fill="none"
        stroke={MANGO}
        strokeWidth="4"
        strokeDasharray="2 9"
        strokeLinecap="round"
      />
      <path d="M412 232l12 14 6-18z" fill={MANGO} />

      {/* The library. */}
      <rect x="300" y="250" width="252" height="182" rx="16" fill="#fffdf9" stroke={LINE} strokeWidth="2" />
      <text x="318" y="276" fontSize="13" fontWeight="700" fill={INK}>Your library</text>
      <rect x="420" y="264" width="116" height="18" rx="9" fill="#f6eee2" />
      <text x="432" y="277" fontSize="10" fill={MUTED}>Search “summer”</text>
      <LibraryTile x={316} y={294} hue="url(#hero-media)" days="42 days" versions="×3" />
      <LibraryTile x={432} y={294} hue="url(#hero-media-2)" days="18 days" versions="×1" />

      {/* Floating cards behind: other saved creatives. */}
      <g opacity="0.95">
        <rect x="388" y="40" width="150" height="96" rx="12" fill="#fff" stroke={LINE} />
        <rect x="398" y="50" width="56" height="76" rx="6" fill="url(#hero-media-3)" />
        <Bar x={462} y={56} w={64} fill={INK} />
        <Bar x={462} y={72} w={56} />
        <Bar x={462} y={86} w={44} />
        <Badge x={462} y={104} w={64} label="Brief ready" fill="#ede9fe" color="#4c1d95" />
      </g>
      <g>
        <rect x="430" y="148" width="118" height="70" rx="12" fill="#fff" stroke={LINE} />
        <rect x="440" y="158" width="40" height="50" rx="6" fill="url(#hero-media-4)" />
        <Bar x={488} y={166} w={50} />
        <Bar x={488} y={180} w={40} />
        <Bar x={488} y={194} w={46} />
      </g>
    </svg>
  );
}

type IconName =
  | "click"
  | "archive"
  | "search"
  | "boards"
  | "spark"
  | "shield"
  | "browser"
  | "grid"
  | "doc";

const PATHS: Record<IconName, string> = {
  click: "M9 3v3M3 9h3M4.8 4.8l2.1 2.1M13 13l7 2.5-3 1.5-1.5 3zM10 10l3 3",
  archive: "M3 5h18v4H3zM5 9v10h14V9M10 13h4",
  search: "M11 4a7 7 0 1 1 0 14 7 7 0 0 1 0-14zM20 20l-4-4",
  boards: "M4 4h7v7H4zM13 4h7v4h-7zM13 10h7v10h-7zM4 13h7v7H4z",
  spark: "M12 3l2 6 6 2-6 2-2 6-2-6-6-2 6-2zM19 3v4M17 5h4",
  shield: "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6zM9 12l2 2 4-4",
  browser: "M3 4h18v16H3zM3 8h18M12 11v6M9 14l3 3 3-3",
  grid: "M4 4h6v6H4zM14 4h6v6h-6zM4 14h6v6H4zM14 14h6v6h-6z",
  doc: "M6 3h8l4 4v14H6zM14 3v4h4M9 12h6M9 16h6",
};

/** A small line icon; decorative (the heading next to it says what it means). */
export function Icon({ name }: { name: IconName }) {
  return (
    <svg
      className="icon"
      viewBox="0 0 24 24"
      width="28"
      height="28"
      aria-hidden="true"
      focusable="false"
    >
      <path
        d={PATHS[name]}
        fill="none"
        stroke="currentColor"
        strokeWidth="1.8"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

export type { IconName };
