-- Lookout schema, version 6: the sensitive sites layer (敏感目标).
--
-- Schools, kindergartens, hospitals and care homes: the highly sensitive
-- protected objects of GB 36894-2018 that the safety-distance check looks
-- for around each major hazard source (docs/safety-distances.md).

CREATE TABLE lookout.sensitive_sites (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    name text,
    kind text,
    persons bigint,
    county_id bigint,
    county text,
    city text,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX sensitive_sites_geom ON lookout.sensitive_sites USING gist (geom);
