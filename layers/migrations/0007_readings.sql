-- Lookout schema, version 7: sensor readings in PostGIS (docs/monitoring.md).
--
-- Readings are many and are not events. With PostGIS as the store they are
-- kept here, shared by every replica: one partition per UTC day of the
-- reading's time (lookout.readings_YYYYMMDD, made when its first reading
-- comes), so retention drops whole partitions. `vals` holds the channels (one
-- value, or a weather station's four). Drill readings are kept apart by
-- `drill` and never mixed with real ones.

CREATE TABLE lookout.readings (
    sensor bigint NOT NULL CHECK (sensor >= 0),
    at timestamptz NOT NULL,
    drill boolean NOT NULL DEFAULT false,
    vals double precision[] NOT NULL
) PARTITION BY RANGE (at);
CREATE INDEX readings_sensor_at ON lookout.readings (sensor, at);
