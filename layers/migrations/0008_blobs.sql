-- Lookout schema, version 8: blobs, the hidden dangers' photos and documents
-- (docs/ledger.md, "Attachments").
--
-- Kept once by their SHA-256 (hex), shared by every replica. A blob is
-- committed before the `attachment_added` event that names it, so every
-- event finds its bytes; a blob whose event was refused stays, unnamed.
-- Like the events, a blob is never changed or removed.

CREATE TABLE lookout.blobs (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size bigint NOT NULL CHECK (size > 0),
    bytes bytea NOT NULL,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE FUNCTION lookout.refuse_blob_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'lookout.blobs is append-only';
END
$$;
CREATE TRIGGER blobs_append_only BEFORE UPDATE OR DELETE ON lookout.blobs
    FOR EACH ROW EXECUTE FUNCTION lookout.refuse_blob_change();
