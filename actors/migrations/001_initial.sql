-- Users, API tokens, creatives and their saves and media, processed messages.
-- Later migrations (the Backend API) add boards, tags, content tasks and the outbox.
-- Requires PostgreSQL 15 or later (UNIQUE NULLS NOT DISTINCT).

CREATE TABLE users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL CHECK (length(email) BETWEEN 3 AND 320),
    password_hash text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Emails compare case-insensitively; the address is kept as the user typed it.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE api_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text NOT NULL DEFAULT '',
    token_hash   bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

CREATE TABLE creatives (
    id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    source                   text NOT NULL,
    library_id               text NOT NULL,
    collation_id             text,
    collation_count          bigint,
    is_active                boolean,
    page_id                  text,
    page_name                text,
    page_profile_uri         text,
    page_profile_picture_url text,
    page_like_count          bigint,
    creator_page             jsonb,
    branded_content          boolean NOT NULL DEFAULT false,
    display_format           text,
    platforms                text[] NOT NULL DEFAULT '{}',
    start_date               timestamptz,
    end_date                 timestamptz,
    total_active_time        bigint,
    body                     text,
    title                    text,
    caption                  text,
    link_url                 text,
    link_description         text,
    cta_text                 text,
    cta_type                 text,
    cards                    jsonb NOT NULL DEFAULT '[]',
    has_templates            boolean NOT NULL DEFAULT false,
    page_url                 text,
    first_seen_at            timestamptz NOT NULL DEFAULT now(),
    last_seen_at             timestamptz NOT NULL DEFAULT now(),
    -- 'simple': ads come in every language, so no stemming and no stop words.
    search                   tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', coalesce(title, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(page_name, '')), 'A')
        || setweight(to_tsvector('simple', coalesce(body, '')), 'B')
        || setweight(to_tsvector('simple', coalesce(link_description, '')), 'C')
        || setweight(to_tsvector('simple', coalesce(caption, '')), 'C')
        || setweight(to_tsvector('simple', coalesce(cta_text, '')), 'D')
    ) STORED,
    CONSTRAINT creatives_source_library_id_key UNIQUE (source, library_id)
);
CREATE INDEX creatives_search_idx ON creatives USING gin (search);
CREATE INDEX creatives_collation_id_idx ON creatives (collation_id)
    WHERE collation_id IS NOT NULL;
CREATE INDEX creatives_page_id_idx ON creatives (page_id) WHERE page_id IS NOT NULL;

CREATE TABLE creative_saves (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    creative_id uuid NOT NULL REFERENCES creatives (id) ON DELETE CASCADE,
    saved_at    timestamptz NOT NULL DEFAULT now(),
    board_id    text,
    PRIMARY KEY (user_id, creative_id)
);
CREATE INDEX creative_saves_user_saved_at_idx ON creative_saves (user_id, saved_at DESC);
CREATE INDEX creative_saves_creative_id_idx ON creative_saves (creative_id);

-- One file to archive per row; content-addressed copies live in media_objects.
CREATE TABLE media_objects (
    content_hash text PRIMARY KEY CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    object_key   text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    content_type text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE creative_media (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    creative_id  uuid NOT NULL REFERENCES creatives (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('image', 'video')),
    -- NULL for the creative's own media, else the index of its card.
    card_index   smallint CHECK (card_index >= 0),
    -- Order among the creative's media of the same kind and card (stable across sightings,
    -- unlike the signed URLs).
    position     smallint NOT NULL CHECK (position >= 0),
    source_url   text NOT NULL,
    fallback_url text,
    poster_url   text,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'stored', 'expired', 'failed', 'refused')),
    object_key   text,
    content_hash text REFERENCES media_objects (content_hash),
    content_type text,
    size_bytes   bigint,
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT creative_media_slot_key
        UNIQUE NULLS NOT DISTINCT (creative_id, kind, card_index, position)
);
CREATE INDEX creative_media_pending_idx ON creative_media (creative_id)
    WHERE status = 'pending';
CREATE INDEX creative_media_content_hash_idx ON creative_media (content_hash)
    WHERE content_hash IS NOT NULL;

-- Written in the same transaction as a message's effects: a redelivery finds its key.
CREATE TABLE processed_messages (
    consumer     text NOT NULL,
    message_key  text NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_key)
);
CREATE INDEX processed_messages_processed_at_idx ON processed_messages (processed_at);
