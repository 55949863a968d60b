"""PostGIS group commit (layers/src/store/batch.rs) against a real PostGIS
(scripts/test starts one and sets LOOKOUT_PG_URL): concurrent writers on two
replicas are all acknowledged and the event log stays gapless; concurrent
commands share transactions; a command refused inside a batch loses none of
the others; a statement the database refuses inside a batch loses none of
the others and leaves memory equal to the tables on both replicas, and a
refusal that rested on the refused one is checked again; one
Idempotency-Key sent by many writers at once stores once; and
a replica killed with -9 under 64 writers loses no acknowledged write."""
import threading
import time

import pytest

from conftest import Server, get, request
from test_postgis import lookout, psql


@pytest.fixture(scope="module")
def fresh():
    psql("DROP SCHEMA IF EXISTS lookout CASCADE; DROP TABLE IF EXISTS public.lookout_migrations")
    lookout("db", "migrate")
    lookout("import")


@pytest.fixture(scope="module")
def replicas(fresh, tmp_path_factory):
    from test_postgis import pg_url
    a = Server(tmp_path_factory.mktemp("batch-a"), ["--store", pg_url()]).start()
    b = Server(tmp_path_factory.mktemp("batch-b"), ["--store", pg_url()]).start()
    yield a, b
    a.stop()
    b.stop()


def open_incident(server, title):
    status, inc, _ = request("POST", server.url + "/incidents",
                             {"title": title, "kind": "fire", "location": [112.55, 37.87]})
    assert status == 201, inc
    return inc["id"]


def hammer(urls, seconds, send):
    """Writers (one thread per URL) calling send(url, w, n) until `seconds`
    have passed; returns what each call returned. A failed assertion in a
    writer fails the test (threads would only print it)."""
    results, failures, lock, stop = [], [], threading.Lock(), threading.Event()

    def writer(w, url):
        n = 0
        while not stop.is_set():
            try:
                out = send(url, w, n)
            except OSError:
                return
            except Exception as e:  # noqa: BLE001 - reported below, in the test's thread
                with lock:
                    failures.append(repr(e))
                return
            with lock:
                results.append(out)
            n += 1

    threads = [threading.Thread(target=writer, args=(w, url), daemon=True) for w, url in enumerate(urls)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=70)
    assert not failures, failures[:3]
    return results


def note_seq(body, text):
    return max(n["seq"] for n in body["notes"] if n["text"] == text)


def assert_log_gapless():
    count, first, last = (int(x) for x in psql("SELECT count(*), min(seq), max(seq) FROM lookout.events").split("|"))
    assert (first, count) == (1, last), f"events 1..{last} expected, {count} found from {first}"
    return last


def notes_in_db(incident):
    rows = psql(f"SELECT seq, payload->>'text' FROM lookout.events WHERE kind = 'note_added' "
                f"AND (payload->>'incident')::bigint = {incident}")
    return {(int(s), t) for s, t in (line.split("|", 1) for line in rows.splitlines())}


def wait_for_seq(server, seq, seconds=10):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if get(server.url + "/health")[1]["last_event"] >= seq:
            return
        time.sleep(0.1)
    raise AssertionError(f"{server.url} did not reach event {seq}")


def test_64_writers_on_two_replicas_are_all_acknowledged_and_the_log_is_gapless(replicas):
    a, b = replicas
    incident = open_incident(a, "batch: 64 writers")
    urls = [f"{(a if w % 2 else b).url}/incidents/{incident}/notes" for w in range(64)]

    def send(url, w, n):
        text = f"w{w} n{n}"
        status, body, _ = request("POST", url, {"text": text})
        assert status == 201, (status, body)
        return note_seq(body, text), text

    acknowledged = hammer(urls, 2.0, send)
    assert len(acknowledged) > 64, f"the burst was too small to mean anything ({len(acknowledged)})"
    last = assert_log_gapless()
    stored = notes_in_db(incident)
    missing = [x for x in acknowledged if x not in stored]
    assert not missing, f"{len(missing)} acknowledged notes are not in the log, e.g. {missing[:3]}"
    assert len({seq for seq, _ in acknowledged}) == len(acknowledged), "two writers were answered with one seq"
    # Both replicas hold the same record, in the log's order.
    for server in (a, b):
        wait_for_seq(server, last)
    notes = [[(n["seq"], n["text"]) for n in get(f"{s.url}/incidents/{incident}")[1]["notes"]] for s in (a, b)]
    assert notes[0] == notes[1] == sorted(stored)
    # Concurrent commands shared transactions: rows written by one transaction share its xmin.
    shared = psql("SELECT count(*) FROM (SELECT xmin::text AS tx FROM lookout.events WHERE kind = 'note_added' "
                  "GROUP BY tx HAVING count(*) > 1) t")
    assert int(shared) > 0, "no two notes were committed together"


def test_a_command_refused_inside_a_batch_loses_none_of_the_others(replicas):
    a, _ = replicas
    incident = open_incident(a, "batch: refusals")
    notes_url = f"{a.url}/incidents/{incident}/notes"
    ack_url = f"{a.url}/incidents/{incident}/acknowledge"
    start = threading.Barrier(48)

    def send(url, w, n):
        if n > 0:  # one request each, all at once
            time.sleep(0.05)
            return None
        start.wait(timeout=30)
        if w % 3 == 0:
            status, body, _ = request("POST", ack_url, {})
            return "ack", status, body
        if w % 3 == 1:
            status, body, _ = request("POST", notes_url, {"text": "   "})
            return "blank", status, body
        text = f"kept {w}"
        status, body, _ = request("POST", notes_url, {"text": text})
        assert status == 201, (status, body)
        return "note", note_seq(body, text), text

    results = hammer([notes_url] * 48, 1.5, send)
    results = [r for r in results if r]
    acks = [r for r in results if r[0] == "ack"]
    assert sorted(s for _, s, _ in acks) == [200] + [409] * 15, acks
    assert all("was acknowledged by" in body["message"] for _, s, body in acks if s == 409)
    blanks = [r for r in results if r[0] == "blank"]
    assert len(blanks) == 16 and all(s in (400, 422) and "needs text" in body["message"] for _, s, body in blanks)
    kept = [(seq, text) for _, seq, text in (r for r in results if r[0] == "note")]
    assert len(kept) == 16
    assert set(kept) <= notes_in_db(incident)
    assert_log_gapless()


REFUSING = """
CREATE OR REPLACE FUNCTION lookout.test_refuse_note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'note_added' THEN
    IF NEW.payload->>'text' = 'hold' THEN
      PERFORM pg_sleep(1);
    END IF;
    IF NEW.payload->>'text' LIKE 'refuse %' THEN
      RAISE EXCEPTION 'test trigger: note refused';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE FUNCTION lookout.test_refuse_edit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.props->>'address' LIKE 'refuse %' THEN
    RAISE EXCEPTION 'test trigger: edit refused';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER test_refuse BEFORE INSERT ON lookout.events FOR EACH ROW EXECUTE FUNCTION lookout.test_refuse_note();
CREATE TRIGGER test_refuse BEFORE INSERT OR UPDATE ON lookout.enterprises
  FOR EACH ROW EXECUTE FUNCTION lookout.test_refuse_edit();
"""


def test_a_statement_the_database_refuses_in_a_batch_loses_none_of_the_others_and_memory_agrees(replicas):
    """A trigger (test only) makes the database refuse some notes and some
    enterprise edits, and holds one note for a second, so that the writers
    behind it queue into one batch: the refused ones are answered 500; every
    other is acknowledged and stored (those before the refused one after a
    rollback to the batch's savepoint, those after it planned again); the
    log stays gapless, and both replicas' memory equals the tables."""
    a, b = replicas
    incident = open_incident(a, "batch: the database refuses")
    notes_url = f"{a.url}/incidents/{incident}/notes"
    enterprises = [int(x) for x in psql("SELECT id FROM lookout.enterprises ORDER BY id LIMIT 16").split()]
    psql(REFUSING)
    try:
        holding = threading.Thread(target=request, args=("POST", notes_url, {"text": "hold"}), daemon=True)
        holding.start()
        time.sleep(0.3)  # the held note's batch holds the writers' lock; the rest queue behind it
        start = threading.Barrier(48)

        def send(url, w, n):
            if n > 0:  # one request each, all at once
                time.sleep(0.05)
                return None
            start.wait(timeout=30)
            refuse = "refuse " if w % 5 == 2 else ""
            if w < 32:
                text = f"{refuse}note {w}"
                status, body, _ = request("POST", notes_url, {"text": text})
                return "note", w, text, status, (note_seq(body, text) if status == 201 else body)
            enterprise = enterprises[w - 32]
            address = f"{refuse}address {w}"
            status, body, _ = request("PATCH", f"{a.url}/collections/enterprises/items/{enterprise}",
                                      {"properties": {"address": address}})
            return "edit", enterprise, address, status, body

        results = [r for r in hammer([notes_url] * 48, 2.5, send) if r]
        holding.join(timeout=30)
    finally:
        psql("DROP TRIGGER IF EXISTS test_refuse ON lookout.events; DROP TRIGGER IF EXISTS test_refuse ON "
             "lookout.enterprises; DROP FUNCTION IF EXISTS lookout.test_refuse_note(), lookout.test_refuse_edit()")
    assert len(results) == 48
    refused = [r for r in results if r[2].startswith("refuse ")]
    kept = [r for r in results if not r[2].startswith("refuse ")]
    assert refused and all(r[3] == 500 for r in refused), [r for r in refused if r[3] != 500]
    assert all(r[3] in (201, 204) for r in kept), [r for r in kept if r[3] not in (201, 204)]
    # The refused path was taken inside a batch (the others of it were written).
    assert "the database refused a write of a batch" in a.log.read_text()
    last = assert_log_gapless()
    stored = notes_in_db(incident)
    assert {(seq, text) for kind, _, text, _, seq in kept if kind == "note"} <= stored
    assert not any(text.startswith("refuse ") for _, text in stored)
    assert {text for _, text in stored} == {"hold"} | {r[2] for r in kept if r[0] == "note"}
    # Memory equals the tables, on the replica that wrote and on the other.
    for server in (a, b):
        wait_for_seq(server, last)
    notes = [[(n["seq"], n["text"]) for n in get(f"{s.url}/incidents/{incident}")[1]["notes"]] for s in (a, b)]
    assert notes[0] == notes[1] == sorted(stored)
    in_db = dict(tuple(line.split("|", 1)) for line in psql(
        f"SELECT id, props->>'address' FROM lookout.enterprises WHERE id IN ({','.join(map(str, enterprises))})"
    ).splitlines())
    for _, enterprise, address, _, _ in (r for r in results if r[0] == "edit"):
        want = in_db[str(enterprise)]
        assert (want == address) != address.startswith("refuse "), (enterprise, address, want)
        for server in (a, b):
            status, feature = get(f"{server.url}/collections/enterprises/items/{enterprise}")
            assert status == 200 and feature["properties"]["address"] == want, (server.url, enterprise, feature)


REFUSING_THE_FIRST_ACKNOWLEDGEMENT = """
CREATE SEQUENCE lookout.test_acknowledgements;
CREATE OR REPLACE FUNCTION lookout.test_refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.kind = 'note_added' AND NEW.payload->>'text' = 'hold' THEN
    PERFORM pg_sleep(1);
  END IF;
  IF NEW.kind = 'incident_acknowledged' THEN
    IF nextval('lookout.test_acknowledgements') = 1 THEN
      RAISE EXCEPTION 'test trigger: the first acknowledgement refused';
    END IF;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER test_refuse_once BEFORE INSERT ON lookout.events FOR EACH ROW EXECUTE FUNCTION lookout.test_refuse_once();
"""


def test_a_refusal_that_rested_on_a_command_the_database_refused_is_checked_again(replicas):
    """Eight acknowledgements of one incident queue behind a held note: in
    one batch the first is planned and the other seven refused by their
    check ("was acknowledged"), which saw it. The database refuses that
    first one (a test trigger, once): the seven must not be answered with a
    refusal resting on a write that never happened; they are checked again,
    one is stored, and the incident is acknowledged once."""
    a, b = replicas
    incident = open_incident(a, "batch: a refusal resting on a failed write")
    notes_url = f"{a.url}/incidents/{incident}/notes"
    ack_url = f"{a.url}/incidents/{incident}/acknowledge"
    psql(REFUSING_THE_FIRST_ACKNOWLEDGEMENT)
    try:
        holding = threading.Thread(target=request, args=("POST", notes_url, {"text": "hold"}), daemon=True)
        holding.start()
        time.sleep(0.3)  # the held note's batch holds the writers' lock; the rest queue behind it
        start = threading.Barrier(8)

        def send(url, w, n):
            if n > 0:
                time.sleep(0.05)
                return None
            start.wait(timeout=30)
            status, body, _ = request("POST", ack_url, {})
            return status, body

        results = [r for r in hammer([ack_url] * 8, 2.5, send) if r]
        holding.join(timeout=30)
    finally:
        psql("DROP TRIGGER IF EXISTS test_refuse_once ON lookout.events; "
             "DROP FUNCTION IF EXISTS lookout.test_refuse_once(); DROP SEQUENCE IF EXISTS lookout.test_acknowledgements")
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409, 409, 409, 409, 409, 409, 500], results
    assert all("was acknowledged by" in body["message"] for status, body in results if status == 409)
    stored = psql("SELECT count(*) FROM lookout.events WHERE kind = 'incident_acknowledged' "
                  f"AND (payload->>'incident')::bigint = {incident}")
    assert stored == "1"
    last = assert_log_gapless()
    for server in (a, b):
        wait_for_seq(server, last)
        assert get(f"{server.url}/incidents/{incident}")[1]["acknowledged_by"], server.url


def test_one_idempotency_key_sent_by_many_writers_at_once_stores_once(replicas):
    a, b = replicas
    incident = open_incident(a, "batch: one key")
    start = threading.Barrier(32)

    def send(url, w, n):
        if n > 0:
            time.sleep(0.05)
            return None
        start.wait(timeout=30)
        status, body, _ = request("POST", url, {"text": "once"}, {"Idempotency-Key": "batch-one-key"})
        assert status == 201, (status, body)
        return note_seq(body, "once")

    urls = [f"{(a if w % 2 else b).url}/incidents/{incident}/notes" for w in range(32)]
    results = hammer(urls, 1.5, send)
    seqs = {r for r in results if r is not None}
    assert len(seqs) == 1, seqs
    assert psql("SELECT count(*) FROM lookout.events WHERE idempotency_key = 'batch-one-key'") == "1"
    assert len(notes_in_db(incident)) == 1
    assert_log_gapless()


def test_kill_9_under_64_writers_on_postgis_loses_no_acknowledged_write(fresh, tmp_path):
    from test_postgis import pg_url
    s = Server(tmp_path / "killed", ["--store", pg_url()]).start()
    incident = open_incident(s, "batch: kill -9")
    url = f"{s.url}/incidents/{incident}/notes"

    def send(url, w, n):
        text = f"k{w} n{n}"
        status, body, _ = request("POST", url, {"text": text})
        return (note_seq(body, text), text) if status == 201 else None

    results, lock, stop = [], threading.Lock(), threading.Event()

    def writer(w):
        n = 0
        while not stop.is_set():
            try:
                out = send(url, w, n)
            except OSError:
                return
            if out:
                with lock:
                    results.append(out)
            n += 1

    threads = [threading.Thread(target=writer, args=(w,), daemon=True) for w in range(64)]
    for t in threads:
        t.start()
    time.sleep(2.5)
    s.stop(kill=True)
    stop.set()
    for t in threads:
        t.join(timeout=70)
    assert len(results) > 64, f"the burst was too small to mean anything ({len(results)})"
    stored = notes_in_db(incident)
    missing = [x for x in results if x not in stored]
    assert not missing, f"{len(missing)} of {len(results)} acknowledged notes lost, e.g. {missing[:3]}"
    last = assert_log_gapless()
    # A replica started afterwards folds every one of them (and may store
    # events of its own at once: the ledger's alarms for what fell overdue).
    s2 = Server(tmp_path / "after", ["--store", pg_url()]).start()
    try:
        assert get(s2.url + "/health")[1]["last_event"] >= last
        kept = {(n["seq"], n["text"]) for n in get(f"{s2.url}/incidents/{incident}")[1]["notes"]}
        assert kept == stored
    finally:
        s2.stop()
