/** The mango mark, inline so it costs no request. Decorative: the text beside it names it. */
export function Logo({ id, size = 32 }: { id: string; size?: number }) {
  const fill = `${id}-fill`;
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 64 64"
      aria-hidden="true"
      focusable="false"
      className="logo-mark"
    >
      <defs>
        <linearGradient id={fill} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor="#fcd34d" />
          <stop offset="1" stopColor="#f97316" />
        </linearGradient>
      </defs>
      <path
        d="M33 14c13 0 23 10 23 23 0 12-9 21-22 21C19 58 8 49 8 37c0-9 6-14 12-17 4-3 8-6 13-6z"
        fill={`url(#${fill})`}
      />
      <path d="M33 15c1-6 5-10 12-11-1 7-5 11-12 11z" fill="#15803d" />
      <path
        d="M31 16c-1-3-1-6 1-8"
        stroke="#78350f"
        strokeWidth="3"
        fill="none"
        strokeLinecap="round"
      />
    </svg>
  );
}
