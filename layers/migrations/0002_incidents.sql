-- Lookout schema, version 2: incidents as a layer, and the event log's index
-- for an incident's record.
--
-- An incident's point is kept by the same events as its record (opened,
-- updated, closed, units dispatched); its zones, units, notes and timeline are
-- folded from `events` by every replica.

-- Incidents 突发事件
CREATE TABLE lookout.incidents (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    title text,
    kind text,
    status text,
    drill boolean,
    substance text,
    opened_at text,
    units bigint,
    people_in_zones bigint,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX incidents_geom ON lookout.incidents USING gist (geom);
CREATE INDEX incidents_status ON lookout.incidents (status, drill);

-- Operations events (everything but plain feature changes), for replicas
-- that fold incidents at start-up.
CREATE INDEX events_operations ON lookout.events (seq) WHERE kind NOT LIKE 'feature\_%';
