// The map's event bus: modules publish named events with a payload and
// subscribe to the ones they care about. Nothing else lives here: a module
// that needs another's function imports it; the bus carries news the other way.
//
// Events (name: payload):
//   ready: —                                the map, its layers and the basemap are drawn
//   lang: 'zh' | 'en'                       the language changed (static texts already switched)
//   tab: name                               a sidebar tab was chosen
//   mode: 'real' | 'drill'                  the map shows real incidents or drills (sent at start too)
//   replay: {at, data} | null               the record as at a moment (GET /replay), or live again
//   live: record                            one SSE record {seq, at, actor, event, collections, news}
//   live-state: boolean                     the event stream is connected (true also: reload your state)
//   collections-changed: [collection ids]   live changes touched these collections (tiles already reloaded)
//   layer-visibility: collection id         a collection was switched on or off
//   layer-state: {id, text, failed}         a collection's loading state, for its row in the panel
//   team-statuses: —                        the statuses shown over the team tiles (drill, replay) changed
//   incident-open: incident id              someone asks to show this incident in the incident panel
//   incident-shown: incident                the incident panel now shows this incident
//   incident-list: —                        the incident list changed
//   incident-zones: [GeoJSON features]      the zones of the open incidents of the mode
//   incident-panel: —                       what the incident panel shows changed (incident, draft, busy)
//   incident-recommendation: —              the recommendation of the shown incident changed
//   incident-closed-panel: —                the incident panel closed
//   situation: GET /situation's answer      the status strip's figures were fetched (alerts.js reads them too)

const target = new EventTarget();

export const bus = {
  /** Calls fn(payload) for every `name` event; returns a function that unsubscribes. */
  on(name, fn) {
    const listener = (e) => fn(e.detail);
    target.addEventListener(name, listener);
    return () => target.removeEventListener(name, listener);
  },
  /** Publishes a `name` event to every subscriber, in the order they subscribed. */
  emit(name, payload) {
    target.dispatchEvent(new CustomEvent(name, { detail: payload }));
  },
};
