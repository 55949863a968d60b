-- Lookout schema, version 1: one table per layer, the event log, the dataset's identity.
--
-- Each layer table has the feature id, its geometry (WGS 84, SRID 4326, GiST
-- indexed), one typed column per field users filter on, and `props` (JSONB)
-- for every other property. The tables hold the current state; `events` holds
-- every change that led to it, append-only. Applied by `lookout db migrate`.

CREATE EXTENSION IF NOT EXISTS postgis;
CREATE SCHEMA IF NOT EXISTS lookout;

-- Which dataset was imported (seed, scale, generator version) and when.
CREATE TABLE lookout.meta (
    key text PRIMARY KEY,
    value jsonb NOT NULL
);

-- Every change, in order. `seq` has no gaps: writers take an advisory lock,
-- so events commit in `seq` order and a replica that has applied up to N
-- needs exactly the events after N.
CREATE TABLE lookout.events (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    at timestamptz NOT NULL,
    actor text NOT NULL,
    kind text NOT NULL,
    collection text NOT NULL,
    feature_id bigint,
    payload jsonb NOT NULL
);
CREATE INDEX events_feature ON lookout.events (collection, feature_id);
CREATE INDEX events_at ON lookout.events (at);

-- The log is append-only: no UPDATE or DELETE, whoever asks.
CREATE FUNCTION lookout.refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'lookout.events is append-only';
END
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON lookout.events
    FOR EACH ROW EXECUTE FUNCTION lookout.refuse_event_change();

-- Counties 县级行政区
CREATE TABLE lookout.counties (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Geometry, 4326) NOT NULL,
    province text,
    city text,
    county text,
    population bigint,
    area_km2 double precision,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
ALTER TABLE lookout.counties ADD CONSTRAINT counties_polygonal CHECK (GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON'));
CREATE INDEX counties_geom ON lookout.counties USING gist (geom);

-- Population estimate 人口估计
CREATE TABLE lookout.population (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Geometry, 4326) NOT NULL,
    population bigint,
    county_id bigint,
    density_per_km2 double precision,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
ALTER TABLE lookout.population ADD CONSTRAINT population_polygonal CHECK (GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON'));
CREATE INDEX population_geom ON lookout.population USING gist (geom);

-- Disaster-prone zones 灾害易发区
CREATE TABLE lookout.disaster_zones (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Geometry, 4326) NOT NULL,
    name text,
    kind text,
    subtype text,
    severity text,
    intensity bigint,
    source text,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
ALTER TABLE lookout.disaster_zones ADD CONSTRAINT disaster_zones_polygonal CHECK (GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON'));
CREATE INDEX disaster_zones_geom ON lookout.disaster_zones USING gist (geom);

-- Roads 道路
CREATE TABLE lookout.roads (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(LineString, 4326) NOT NULL,
    name text,
    road_class text,
    speed_kmh bigint,
    length_m double precision,
    from_node bigint,
    to_node bigint,
    open boolean,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX roads_geom ON lookout.roads USING gist (geom);

-- Gas pipes 燃气管线
CREATE TABLE lookout.gas_pipes (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(LineString, 4326) NOT NULL,
    network text,
    pressure_class text,
    diameter_mm bigint,
    material text,
    install_year bigint,
    length_m double precision,
    from_node bigint,
    to_node bigint,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX gas_pipes_geom ON lookout.gas_pipes USING gist (geom);

-- Gas valves 燃气阀门
CREATE TABLE lookout.gas_valves (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    network text,
    node bigint,
    pressure_class text,
    diameter_mm bigint,
    operable boolean,
    install_year bigint,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX gas_valves_geom ON lookout.gas_valves USING gist (geom);

-- Gas stations 燃气门站/调压站
CREATE TABLE lookout.gas_stations (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    name text,
    network text,
    kind text,
    node bigint,
    outlet_pressure_class text,
    capacity_m3_h bigint,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX gas_stations_geom ON lookout.gas_stations USING gist (geom);

-- Enterprises 生产经营单位
CREATE TABLE lookout.enterprises (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    name text,
    credit_code text,
    county_id bigint,
    county text,
    city text,
    industry text,
    risk_level text,
    standardisation_grade bigint,
    employees bigint,
    supervisor text,
    last_inspection date,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX enterprises_geom ON lookout.enterprises USING gist (geom);

-- Major hazard sources 重大危险源
CREATE TABLE lookout.hazard_sources (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    name text,
    enterprise_id bigint,
    enterprise_name text,
    county_id bigint,
    county text,
    city text,
    people_within_500m bigint,
    r_value double precision,
    level bigint,
    last_inspection date,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX hazard_sources_geom ON lookout.hazard_sources USING gist (geom);

-- Rescue teams 救援队伍
CREATE TABLE lookout.rescue_teams (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    name text,
    kind text,
    capabilities text[],
    personnel bigint,
    vehicles bigint,
    status text,
    base text,
    county_id bigint,
    county text,
    city text,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX rescue_teams_geom ON lookout.rescue_teams USING gist (geom);

-- Material warehouses 应急物资储备库
CREATE TABLE lookout.warehouses (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    name text,
    tier text,
    county_id bigint,
    county text,
    city text,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX warehouses_geom ON lookout.warehouses USING gist (geom);

-- Shelters 应急避难场所
CREATE TABLE lookout.shelters (
    id bigint PRIMARY KEY CHECK (id >= 0),
    geom geometry(Point, 4326) NOT NULL,
    name text,
    kind text,
    capacity bigint,
    occupancy bigint,
    county_id bigint,
    county text,
    city text,
    props jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX shelters_geom ON lookout.shelters USING gist (geom);

-- The filters duty staff use most.
CREATE INDEX enterprises_risk ON lookout.enterprises (risk_level, industry);
CREATE INDEX hazard_sources_level ON lookout.hazard_sources (level);
CREATE INDEX rescue_teams_status ON lookout.rescue_teams (kind, status);
