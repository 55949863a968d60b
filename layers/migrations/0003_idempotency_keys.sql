-- Lookout schema, version 3: the `Idempotency-Key` of the request that made
-- each event, and a hash of that request.
--
-- A command's events (an incident opened with its zones, several teams
-- dispatched) commit in one transaction and carry the same key, so a client
-- that retries after losing the answer (even when the connection dropped
-- after COMMIT) is answered from what was stored, on any replica, and
-- nothing is stored twice. Events written before this version have no key.

ALTER TABLE lookout.events ADD COLUMN idempotency_key text;
ALTER TABLE lookout.events ADD COLUMN request_hash text;
CREATE INDEX events_idempotency_key ON lookout.events (idempotency_key) WHERE idempotency_key IS NOT NULL;
