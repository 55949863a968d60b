// The incident modules during a replay (replay.js): the incidents, zones and
// unit statuses of that moment, read-only; back to live, everything is
// fetched again and the shown incident reopened as it is now.

import { bus } from './ctx.js';
import { map } from './mapview.js';
import { showReplayStatuses } from './team-status.js';
import { S, panelChanged, refreshAll } from './incident-state.js';
import { zoneFeature } from './incident-map.js';
import { openIncident } from './incident-panel.js';

export function initIncidentReplay() {
  bus.on('replay', showReplay);
}

function showReplay(replay) {
  if (!replay) {
    showReplayStatuses(null);
    if (S.current) {
      const id = S.current.id;
      S.current = null;
      openIncident(id);
    }
    refreshAll();
    return;
  }
  const incidents = replay.data?.incidents ?? [];
  // the zones and points of the incidents open at that moment
  const zones = [];
  for (const inc of incidents) {
    if (inc.status === 'closed') continue;
    for (const z of inc.zones?.zones ?? []) if (z.polygon) zones.push(zoneFeature(inc, z, inc.id === S.current?.id));
  }
  zones.sort((a, b) => a.properties.rank - b.properties.rank);
  map.getSource('inc-zones')?.setData({ type: 'FeatureCollection', features: zones });
  // unit statuses at that moment; teams not listed were available
  showReplayStatuses(replay.data?.units ?? {});
  if (S.current) {
    const at = incidents.find((i) => i.id === S.current.id);
    if (at) S.current = at;
  }
  S.rec = null;
  bus.emit('incident-recommendation');
  bus.emit('incident-list');
  panelChanged();
}
