-- The user's library: boards and their items, tags and a note per saved creative.
-- Every row carries its owner's user_id, and the foreign keys to creative_saves make an
-- item, tag or note of a creative the user has not saved impossible.

CREATE TABLE boards (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX boards_user_name_key ON boards (user_id, lower(name));

CREATE TABLE board_items (
    board_id    uuid NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL,
    creative_id uuid NOT NULL,
    added_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (board_id, creative_id),
    FOREIGN KEY (user_id, creative_id)
        REFERENCES creative_saves (user_id, creative_id) ON DELETE CASCADE
);
CREATE INDEX board_items_user_creative_idx ON board_items (user_id, creative_id);

CREATE TABLE creative_tags (
    user_id     uuid NOT NULL,
    creative_id uuid NOT NULL,
    tag         text NOT NULL CHECK (length(tag) BETWEEN 1 AND 50),
    PRIMARY KEY (user_id, creative_id, tag),
    FOREIGN KEY (user_id, creative_id)
        REFERENCES creative_saves (user_id, creative_id) ON DELETE CASCADE
);
CREATE INDEX creative_tags_user_tag_idx ON creative_tags (user_id, tag);

CREATE TABLE creative_notes (
    user_id     uuid NOT NULL,
    creative_id uuid NOT NULL,
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, creative_id),
    FOREIGN KEY (user_id, creative_id)
        REFERENCES creative_saves (user_id, creative_id) ON DELETE CASCADE
);

-- Keyset pagination of the default sort (newest saved first, id as tie-breaker).
CREATE INDEX creative_saves_user_saved_id_idx
    ON creative_saves (user_id, saved_at DESC, creative_id DESC);

-- A save from the extension names a board (creative_saves.board_id, text); when it is one
-- of the saver's boards, the creative goes on it.
CREATE FUNCTION creative_saves_to_board() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.board_id IS NOT NULL
       AND NEW.board_id ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
    THEN
        INSERT INTO board_items (board_id, user_id, creative_id)
        SELECT b.id, NEW.user_id, NEW.creative_id
        FROM boards AS b
        WHERE b.id = NEW.board_id::uuid AND b.user_id = NEW.user_id
        ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER creative_saves_to_board
    AFTER INSERT OR UPDATE OF board_id ON creative_saves
    FOR EACH ROW EXECUTE FUNCTION creative_saves_to_board();
