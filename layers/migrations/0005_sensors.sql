-- Lookout schema, version 5: the sensors layer (监测设备).
--
-- Gas detectors and tank instruments at the major hazard sources, pressure
-- and flow on the gas networks, weather stations and cameras. The
-- filterable fields are columns; thresholds, range, stale time and a
-- camera's url are in props. Readings are not in this table: they are kept
-- by the readings store (docs/monitoring.md).

CREATE TABLE lookout.sensors (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    name text,
    kind text,
    site text,
    site_id bigint,
    site_name text,
    hazard_source_id bigint,
    substance text,
    unit text,
    county_id bigint,
    county text,
    city text,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX sensors_geom ON lookout.sensors USING gist (geom);
CREATE INDEX sensors_site ON lookout.sensors (site, site_id);

-- A hazard source's most serious active alarm (blue, yellow, orange, red),
-- set by the alarm events so that tiles and filters show it.
ALTER TABLE lookout.hazard_sources ADD COLUMN alarm text;
