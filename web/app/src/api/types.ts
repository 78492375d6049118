/** Shapes of the Backend API (docs/backend-api.md). */

export interface User {
  id: string;
  email: string;
  created_at: string;
  auth?: "session" | "api_token";
}

export interface AuthAnswer {
  user: User;
  csrf_token: string;
  expires_at: string;
  session_token: string | null;
}

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
}

export interface NewApiToken extends ApiToken {
  token: string;
}

export interface CreativeSummary {
  id: string;
  source: string;
  library_id: string;
  page_id: string | null;
  page_name: string | null;
  page_profile_picture_url?: string | null;
  display_format: string | null;
  platforms: string[];
  is_active: boolean | null;
  start_date: string | null;
  end_date: string | null;
  days_running: number | null;
  versions: number;
  title: string | null;
  body: string | null;
  cta_text: string | null;
  link_url: string | null;
  saved_at: string;
  tags: string[];
  note: string | null;
  board_ids: string[];
  thumbnail_url: string | null;
  rank?: number | null;
}

export type MediaStatus = "stored" | "pending" | "expired" | "failed" | "refused";

export interface Media {
  id: number;
  kind: "image" | "video" | string;
  card_index: number | null;
  position: number;
  status: MediaStatus | string;
  content_type: string | null;
  size_bytes: number | null;
  url: string | null;
}

export interface Card {
  body?: string | { text?: string } | null;
  title?: string | null;
  link_url?: string | null;
  link_description?: string | null;
  caption?: string | null;
  cta_text?: string | null;
  cta_type?: string | null;
  [key: string]: unknown;
}

export interface BoardRef {
  id: string;
  name: string;
}

export interface CreativeDetail extends CreativeSummary {
  caption: string | null;
  link_description: string | null;
  cta_type: string | null;
  page_url: string | null;
  page_profile_uri: string | null;
  collation_id: string | null;
  first_seen_at: string | null;
  last_seen_at: string | null;
  cards: Card[];
  media: Media[];
  boards: BoardRef[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * A page of `GET /v1/creatives`. `relevance_window` is set (e.g. 2000) when a
 * relevance-sorted search matched so many creatives that only that many of the most
 * recently saved matches were ranked; null when every match was ranked (and for every
 * other sort, which lists every match).
 */
export interface CreativePage extends Page<CreativeSummary> {
  relevance_window: number | null;
}

export interface Board {
  id: string;
  name: string;
  created_at: string;
  creative_count: number;
}

export interface TagCount {
  tag: string;
  count: number;
}

export type ContentKind = "brief" | "copy_variants" | "script_outline";
export type TaskStatus = "queued" | "running" | "done" | "failed";

export interface ContentTask {
  id: string;
  kind: ContentKind | string;
  status: TaskStatus;
  creative_ids: string[];
  parameters: Record<string, unknown>;
  result: unknown;
  error: string | null;
  attempts: number;
  created_at: string;
  updated_at: string;
}

/** Filters of `GET /v1/creatives`; empty values are left out of the query. */
export interface CreativeFilters {
  q?: string;
  page?: string;
  platform?: string;
  display_format?: string;
  active?: "" | "true" | "false";
  saved_from?: string;
  saved_to?: string;
  min_days_running?: string;
  board_id?: string;
  tag?: string;
  sort?: string;
}

export const FILTER_KEYS: (keyof CreativeFilters)[] = [
  "q",
  "page",
  "platform",
  "display_format",
  "active",
  "saved_from",
  "saved_to",
  "min_days_running",
  "board_id",
  "tag",
  "sort",
];
