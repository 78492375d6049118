/** Display helpers: dates, counts, names of platforms and formats. */

const PLATFORM_NAMES: Record<string, string> = {
  facebook: "Facebook",
  instagram: "Instagram",
  messenger: "Messenger",
  audience_network: "Audience Network",
  threads: "Threads",
  whatsapp: "WhatsApp",
};

export const PLATFORMS = Object.keys(PLATFORM_NAMES).filter((p) => p !== "whatsapp");

export const FORMATS = ["IMAGE", "VIDEO", "CAROUSEL", "DCO", "DPA", "MULTI_IMAGES"];

export function platformName(platform: string): string {
  const key = platform.toLowerCase();
  return PLATFORM_NAMES[key] ?? titleCase(key.replace(/_/g, " "));
}

export function formatName(format: string | null | undefined): string {
  if (!format) return "Unknown format";
  switch (format.toUpperCase()) {
    case "DCO":
      return "Dynamic creative";
    case "DPA":
      return "Catalog (DPA)";
    case "MULTI_IMAGES":
      return "Multiple images";
    default:
      return titleCase(format.toLowerCase().replace(/_/g, " "));
  }
}

function titleCase(text: string): string {
  return text.replace(/\b\w/g, (c) => c.toUpperCase());
}

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A count with thousands separators, as the rest of the (English) UI: 2000 → "2,000". */
export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function daysLabel(days: number | null | undefined): string | null {
  if (days === null || days === undefined) return null;
  return plural(days, "day");
}

export function adsLibraryUrl(libraryId: string): string {
  return `https://www.facebook.com/ads/library/?id=${encodeURIComponent(libraryId)}`;
}

export const KIND_NAMES: Record<string, string> = {
  brief: "Creative brief",
  copy_variants: "Ad-copy variants",
  script_outline: "Video script outline",
};

export function kindName(kind: string): string {
  return KIND_NAMES[kind] ?? titleCase(kind.replace(/_/g, " "));
}

/** A `Card.body` may be a string or `{text}` as the Ads Library gives it. */
export function cardText(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { text?: unknown }).text === "string") {
    return (value as { text: string }).text;
  }
  return null;
}
