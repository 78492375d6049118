-- The outbox relay (actors/outbox.py) sets dead_at on a row it can never send (a body its
-- queue's codec cannot decode), so that it stops blocking the rows behind it; such rows
-- keep their last_error for an operator.
ALTER TABLE outbox ADD COLUMN dead_at timestamptz;
