-- Owner-scoped search documents: every save carries its creative's search vector plus
-- three kinds of marker lexemes, so that one GIN index answers "this user's creatives
-- matching this search" (and the advertiser-page filter) by intersecting posting lists,
-- and ranking reads narrow save rows instead of the wide creatives table.
--
--   ~u<user id hex>   the owner (every save)
--   ~i<page id>       the advertiser's page id
--   ~p<word>          each word of the advertiser's page name (for word-prefix matches)
--
-- The 'simple' parser splits on '~', so no text can produce a marker lexeme; marker
-- lexemes have no positions, so ts_rank (normalisation 0) of a text query is the same as
-- on creatives.search.

CREATE FUNCTION save_search_document(owner uuid, doc tsvector, page_id text, page_name text)
RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(doc, ''::tsvector) || array_to_tsvector(
        ARRAY['~u' || replace(owner::text, '-', '')]
        || CASE WHEN coalesce(page_id, '') = '' THEN '{}'::text[]
                ELSE ARRAY['~i' || page_id] END
        || ARRAY(SELECT DISTINCT '~p' || w.lexeme
                 FROM unnest(to_tsvector('simple', coalesce(page_name, ''))) AS w)
    )
$$;

-- A tsquery of one lexeme taken literally (quoted, so no text-search syntax applies),
-- optionally as a prefix.
CREATE FUNCTION lexeme_tsquery(lexeme text, prefix boolean) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT ('''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''''
            || CASE WHEN prefix THEN ':*' ELSE '' END)::tsquery
$$;

-- The owner's marker as a tsquery.
CREATE FUNCTION owner_tsquery(owner uuid) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT lexeme_tsquery('~u' || replace(owner::text, '-', ''), false)
$$;

-- The advertiser-page filter: the page id exactly, or a page name with words starting
-- with each word of the filter (case-insensitive, any order).
CREATE FUNCTION page_tsquery(page text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN words IS NULL THEN by_id ELSE by_id || words END
    FROM (SELECT lexeme_tsquery('~i' || page, false) AS by_id) AS i,
         LATERAL (
             SELECT string_agg(lexeme_tsquery('~p' || w.lexeme, true)::text, ' & ')::tsquery
                 AS words
             FROM unnest(to_tsvector('simple', page)) AS w
         ) AS n
$$;

ALTER TABLE creative_saves ADD COLUMN search tsvector;

UPDATE creative_saves AS s
SET search = save_search_document(s.user_id, c.search, c.page_id, c.page_name)
FROM creatives AS c
WHERE c.id = s.creative_id;

CREATE INDEX creative_saves_search_idx ON creative_saves USING gin (search);

-- A new save takes its creative's document.
CREATE FUNCTION creative_saves_search() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT save_search_document(NEW.user_id, c.search, c.page_id, c.page_name)
    INTO NEW.search
    FROM creatives AS c
    WHERE c.id = NEW.creative_id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER creative_saves_search
    BEFORE INSERT OR UPDATE OF user_id, creative_id ON creative_saves
    FOR EACH ROW EXECUTE FUNCTION creative_saves_search();

-- A later sighting can fill a creative's missing texts or page (never replace them):
-- its saves follow.
CREATE FUNCTION creatives_search_to_saves() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE creative_saves AS s
    SET search = save_search_document(s.user_id, NEW.search, NEW.page_id, NEW.page_name)
    WHERE s.creative_id = NEW.id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER creatives_search_to_saves
    AFTER UPDATE ON creatives
    FOR EACH ROW
    WHEN (OLD.search IS DISTINCT FROM NEW.search
          OR OLD.page_id IS DISTINCT FROM NEW.page_id
          OR OLD.page_name IS DISTINCT FROM NEW.page_name)
    EXECUTE FUNCTION creatives_search_to_saves();
