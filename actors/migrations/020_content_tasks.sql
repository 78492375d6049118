-- Content tasks (briefs, copy variants, script outlines made from saved creatives) and the
-- transactional outbox the Backend API writes with them.
-- gen_random_uuid() is built into PostgreSQL 13+ (001 already requires 15+).

-- The kind is plain text, validated in code (actors.content.tasks), so that a new
-- generator needs no migration; the check only keeps it a sane identifier.
CREATE TABLE content_tasks (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,39}$'),
    -- Ids of `creatives` rows; no foreign key on array elements, checked by the consumer.
    creative_ids uuid[] NOT NULL DEFAULT '{}',
    parameters   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(parameters) = 'object'),
    status       text NOT NULL DEFAULT 'queued'
                 CHECK (status IN ('queued', 'running', 'done', 'failed')),
    result       jsonb,
    error        text,
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    started_at   timestamptz,
    finished_at  timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX content_tasks_user_created_at_idx ON content_tasks (user_id, created_at DESC);

-- One row per message to publish, written in the same transaction as its effects. A relay
-- sends unsent rows (sent_at IS NULL) in id order, then sets sent_at; a crash between the
-- send and the update sends a row twice, which the consumers' idempotence absorbs.
CREATE TABLE outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue        text NOT NULL,
    message_type text NOT NULL,
    -- The message exactly as its codec encoded it (msgspec JSON), decoded by the relay
    -- with the queue's codec before publishing.
    body         text NOT NULL,
    trace_id     text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz,
    attempts     integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error   text
);
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
