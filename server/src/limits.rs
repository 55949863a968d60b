//! The bounds of requests, in one place: the routes enforce them and the
//! OpenAPI document states them.

/// Features per page of `/collections/{id}/items` when the client does not say.
pub const DEFAULT_LIMIT: usize = 100;
/// Most features per page; a larger `limit` is capped to it, as OGC API – Features says.
pub const MAX_LIMIT: usize = 10_000;
/// Incidents per page of `GET /incidents` when the client does not say.
pub const DEFAULT_INCIDENTS: usize = 100;
/// Most incidents one page of `GET /incidents` answers.
pub const MAX_INCIDENTS: usize = 1_000;
/// Events per page of `GET /events` when the client does not say.
pub const DEFAULT_EVENTS: usize = 500;
/// Most events one page of `GET /events` answers.
pub const MAX_EVENTS: usize = 5_000;
/// Most teams one dispatch request may assign.
pub const MAX_DISPATCH: usize = 20;
/// Fastest a drill clock may run: one scenario hour per real second.
pub const MAX_SPEED: f64 = 3_600.0;
/// Most results one `/nearest` query may ask for.
pub const MAX_K: usize = 50;
/// Longest time limit of `/coverage`, minutes.
pub const MAX_MINUTES: f64 = 240.0;
/// Largest box (km²) of a `POST /exposure` zone answered on the request's own
/// thread rather than the blocking pool: a circle of up to about 560 m radius
/// (a few hundred features at most, at scale 100 in a city centre).
pub const EXPOSURE_INLINE_KM2: f64 = 1.25;
/// Zones per page of `GET /incidents/zones` when the client does not say (and at most).
pub const MAX_ZONES: usize = 10_000;
/// Teams per page of `GET /teams/status` when the client does not say (and at most).
pub const MAX_TEAMS: usize = 10_000;

/// Most audit entries in one page of `GET /audit`.
pub const MAX_AUDIT: usize = 1_000;
/// Audit entries in a page by default.
pub const DEFAULT_AUDIT: usize = 100;

/// Most valves in the `fail` list of `POST /gas/isolate`.
pub const MAX_FAIL_VALVES: usize = 100;

// --- The supervision ledger (docs/ledger.md).
/// Dangers per page of `GET /dangers` when the client does not say.
pub const DEFAULT_DANGERS: usize = 100;
/// Most dangers one page of `GET /dangers` answers.
pub const MAX_DANGERS: usize = 1_000;
/// Largest photo or document `POST /dangers/{id}/attachments` takes (16 MiB;
/// docs/ledger.md "Attachments"): a larger one is 413.
pub const MAX_ATTACHMENT_BYTES: u64 = lookout_layers::ledger::attachment::MAX_ATTACHMENT_BYTES;
/// Most attachments one danger may have.
pub const MAX_ATTACHMENTS_PER_DANGER: usize = lookout_layers::ledger::attachment::MAX_ATTACHMENTS_PER_DANGER;
/// Most inbox entries `GET /inbox` answers (newest first).
pub const MAX_INBOX: usize = 500;
/// Inspection records per page of `GET /inspections` when the client does not say.
pub const DEFAULT_INSPECTIONS: usize = 100;
/// Most inspection records one page of `GET /inspections` answers.
pub const MAX_INSPECTIONS: usize = 1_000;
/// Most experts `GET /incidents/{id}/experts` suggests.
pub const MAX_INCIDENT_EXPERTS: usize = 50;

// --- The safety-distance check (docs/safety-distances.md).
/// Violations one `GET /safety/violations` answers when the client does not say.
pub const DEFAULT_VIOLATIONS: usize = 1_000;
/// Most violations one `GET /safety/violations` answers.
pub const MAX_VIOLATIONS: usize = 10_000;
// --- The risk grid and choropleth (docs/risk-method.md).
/// Most cells one answer of `GET /risk/grid` holds (resolution 7 over the
/// whole province is about 30,000; ask for a `bbox` beyond this).
pub const MAX_RISK_CELLS: usize = 50_000;
/// Fewest and most classes of a choropleth.
pub const RISK_CLASSES: std::ops::RangeInclusive<usize> = 2..=7;
/// Most substances one `POST /hazard_sources/{id}/what-if` proposes.
pub const MAX_WHAT_IF_SUBSTANCES: usize = 50;
/// The largest register `POST /import/{layer}` takes (file and mapping together);
/// a larger one goes through `lookout import` on the server's machine.
pub const MAX_IMPORT_BYTES: usize = 64 << 20;
/// Most a zipped Shapefile sent to `POST /import/{layer}` may unpack to
/// (its names are checked and its size bounded by the reader before GDAL
/// sees it).
pub const MAX_IMPORT_ZIP_UNPACKED_BYTES: u64 = lookout_layers::import::formats::MAX_ZIP_UNPACKED_BYTES;

// --- The ledger's other obligations (docs/ledger.md, "Obligations").
/// Obligations per page of `GET /obligations` when the client does not say.
pub const DEFAULT_OBLIGATIONS: usize = 100;
/// Most obligations one page of `GET /obligations` answers.
pub const MAX_OBLIGATIONS: usize = 1_000;
