// The statuses drawn over the team tiles where they differ from a team's
// real status: in drill mode the drill statuses (GET /teams/status?drill=true),
// in a replay the statuses at that moment. Drawn as feature-state, so the
// real tiles stay as they are.

import { bus } from './ctx.js';
import { api } from './util.js';
import { isDrillMode } from './mode.js';
import { replayState } from './replay.js';
import { map } from './mapview.js';

const T = {
  drill: new Map(), // team id -> status (drill mode)
  replay: null, // team id -> status at the replayed moment, or null
  overridden: new Set(), // team ids with a feature-state status
};

/** The status a team shows: its drill or replayed status if it has one, else its tile status. */
export const shownStatus = (id, tileStatus) =>
  T.replay?.get(Number(id)) ?? (isDrillMode() ? T.drill.get(Number(id)) : undefined) ?? tileStatus;

/** Drill mode: the teams whose drill status differs from their real one. */
export async function refreshDrillStatuses() {
  if (replayState()) return;
  if (!isDrillMode()) {
    T.drill = new Map();
    applyOverrides(new Map());
    return;
  }
  try {
    const data = await api('/teams/status?drill=true');
    T.drill = new Map(Object.entries(data?.teams ?? {}).map(([id, v]) => [Number(id), v.status]));
  } catch (err) {
    console.warn(`drill statuses: ${err.message}`);
  }
  applyOverrides(T.drill);
}

/** A replay's unit statuses ({id: {status}}; teams not listed were available), or null for live. */
export function showReplayStatuses(units) {
  if (!units) {
    T.replay = null;
    applyOverrides(new Map());
    return;
  }
  const statuses = new Map(Object.entries(units).map(([id, v]) => [Number(id), v.status]));
  for (const f of map.querySourceFeatures('rescue_teams', { sourceLayer: 'rescue_teams' })) {
    const id = Number(f.id);
    if (!statuses.has(id) && f.properties?.status && f.properties.status !== 'available' && f.properties.status !== 'out_of_service') statuses.set(id, 'available');
  }
  for (const id of T.overridden) if (!statuses.has(id)) statuses.set(id, T.drill.has(id) ? 'available' : undefined);
  for (const [id, s] of statuses) if (s === undefined) statuses.delete(id);
  T.replay = statuses;
  applyOverrides(statuses);
}

/** Team colours from feature-state; every other team shows its tile status. */
function applyOverrides(statuses) {
  if (!map.getSource('rescue_teams')) return;
  const target = { source: 'rescue_teams', sourceLayer: 'rescue_teams' };
  for (const id of T.overridden) if (!statuses.has(id)) map.removeFeatureState({ ...target, id }, 'status');
  for (const [id, status] of statuses) map.setFeatureState({ ...target, id }, { status });
  T.overridden = new Set(statuses.keys());
  bus.emit('team-statuses');
}
