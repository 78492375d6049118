/**
 * The Ads API contract: what the extension sends to `POST /v1/creatives`.
 *
 * The Python Ads API decodes exactly these shapes with msgspec, and
 * `test/data/payload-example.json` is the same contract as data for its contract
 * test. Evolve it the msgspec way: new fields get defaults on the Python side,
 * types never change. Every key is always present (null when unknown) so the
 * decoder never has to guess between "absent" and "unknown".
 */

export const SOURCE = "facebook_ads_library" as const;

/** Largest batch the Ads API accepts in one `POST /v1/creatives`. */
export const MAX_BATCH = 50;

/** A Library ID: 15 to 17 digits, kept as a string (too large for a JS number). */
export const LIBRARY_ID_PATTERN = /^\d{15,17}$/;

export interface PageRef {
  id: string | null;
  name: string | null;
  profile_uri: string | null;
  profile_picture_url: string | null;
  like_count: number | null;
}

export interface Card {
  body: string | null;
  title: string | null;
  caption: string | null;
  link_url: string | null;
  link_description: string | null;
  cta_text: string | null;
  cta_type: string | null;
  image_url: string | null;
  video_hd_url: string | null;
  video_sd_url: string | null;
  video_preview_url: string | null;
}

export type MediaKind = "image" | "video";

/** One asset the server archives; `url` is the best quality (HD for videos). */
export interface Media {
  kind: MediaKind;
  url: string;
  fallback_url: string | null;
  poster_url: string | null;
  /** Index into `cards`, or null for the ad's own images/videos. */
  card_index: number | null;
}

export interface Creative {
  source: typeof SOURCE;
  library_id: string;
  collation_id: string | null;
  /** Set by Meta only on the first ad of a collation group; null on the others. */
  collation_count: number | null;
  is_active: boolean | null;
  /** The page that paid for the ad. */
  page: PageRef;
  /** Branded content: the creator whose post it is, when it differs from `page`. */
  creator_page: PageRef | null;
  branded_content: boolean;
  display_format: string | null;
  platforms: string[];
  /** Epoch seconds. */
  start_date: number | null;
  end_date: number | null;
  /** Seconds. */
  total_active_time: number | null;
  body: string | null;
  title: string | null;
  caption: string | null;
  link_url: string | null;
  link_description: string | null;
  cta_text: string | null;
  cta_type: string | null;
  /** True when a text holds a DPA/DCO template such as `{{product.name}}`. */
  has_templates: boolean;
  cards: Card[];
  media: Media[];
  /** The Ads Library URL the ad was saved from. */
  page_url: string | null;
  /** Epoch milliseconds. */
  captured_at: number;
  board_id: string | null;
}

/** Body of `POST /v1/creatives` (1 to MAX_BATCH creatives). */
export interface CreativesRequest {
  creatives: Creative[];
}

/** Body of the 202 answer to `POST /v1/creatives`. */
export interface CreativesAccepted {
  accepted: string[];
}

/** RFC 9457 problem details, as every API error is sent (`application/problem+json`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
}

/** One board of the Backend API, as listed by `GET /v1/boards`. */
export interface Board {
  id: string;
  name: string;
}

/** Body of `GET /v1/boards`. */
export interface BoardsResponse {
  boards: Board[];
}
