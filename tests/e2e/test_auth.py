"""Sign-in against a real `lookout serve` that requires it (no --dev-open):
the one-time set-up link printed on a first start makes the first admin
once; sign in and out with the session cookie and its CSRF token; failed
sign-ins are rate-limited (429 with Retry-After); an API token made by
`lookout token create` works as a bearer token, and the command line is
refused while the server holds the state folder."""
import http.cookiejar
import json
import re
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from conftest import BIN, ROOT, Server, request

PASSWORD = "correct horse battery staple"


class Browser:
    """A client with a cookie jar, like the map in a browser."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.csrf = None

    def call(self, method, path, body=None, headers=None):
        data = None if body is None else json.dumps(body).encode()
        h = {"Accept": "application/json", **({"Content-Type": "application/json"} if data is not None else {})}
        if self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        req = urllib.request.Request(self.base + path, data=data, method=method, headers={**h, **(headers or {})})
        try:
            with self.opener.open(req, timeout=60) as r:
                raw = r.read()
                return r.status, (json.loads(raw) if raw else None), {k.lower(): v for k, v in r.headers.items()}
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, (json.loads(raw) if raw else None), {k.lower(): v for k, v in e.headers.items()}


def setup_token(server):
    deadline = time.time() + 10
    while time.time() < deadline:
        m = re.search(r"#setup=(lk_setup_[0-9a-f]{64})", server.log.read_text(errors="replace"))
        if m:
            return m.group(1)
        time.sleep(0.1)
    pytest.fail("lookout serve did not print a set-up link: " + server.log.read_text()[-2000:])


@pytest.fixture(scope="module")
def closed(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("auth"), open_access=False).start()
    yield s
    s.stop()


def test_first_start_setup_link_works_once_then_sign_in_and_out(closed):
    base = closed.url
    # Nothing but the public routes without sign-in.
    assert request("GET", base + "/health")[0] == 200
    status, body, _ = request("GET", base + "/collections/enterprises/items?limit=1")
    assert (status, body["error"]) == (401, "unauthorized")
    status, body, _ = request("GET", base + "/auth/me")
    assert status == 401

    token = setup_token(closed)
    admin = Browser(base)
    status, body, headers = admin.call("POST", "/auth/setup", {"token": "lk_setup_" + "0" * 64, "username": "chief", "password": PASSWORD})
    assert status == 403, body
    status, body, headers = admin.call("POST", "/auth/setup", {"token": token, "username": "chief", "password": PASSWORD})
    assert status == 201, body
    assert body["user"] == {"username": "chief", "role": "admin", "scope": None}
    cookie = headers.get("set-cookie", "")
    assert "lookout_session=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie, cookie
    admin.csrf = body["csrf_token"]
    status, body, _ = Browser(base).call("POST", "/auth/setup", {"token": token, "username": "other", "password": PASSWORD})
    assert status == 409, "the set-up works once"

    # Signed in: reads work, /auth/me says who.
    status, me, _ = admin.call("GET", "/auth/me")
    assert status == 200 and me["user"]["username"] == "chief" and me["dev_open"] is False
    assert admin.call("GET", "/collections/enterprises/items?limit=1")[0] == 200

    # The admin adds a dispatcher, who signs in and opens an incident.
    status, user, _ = admin.call("POST", "/users", {"username": "wang", "password": PASSWORD, "role": "dispatcher"})
    assert status == 201, user
    desk = Browser(base)
    status, body, _ = desk.call("POST", "/auth/login", {"username": "wang", "password": PASSWORD})
    assert status == 200, body
    incident = {"kind": "fire", "location": [112.55, 37.85], "title": "e2e auth"}
    status, body, _ = desk.call("POST", "/incidents", incident)
    assert (status, body["error"]) == (403, "csrf"), "a cookie-signed change needs the CSRF token"
    status, login, _ = desk.call("GET", "/auth/me")
    desk.csrf = login["csrf_token"]
    status, opened, _ = desk.call("POST", "/incidents", incident)
    assert status == 201, opened
    # The dispatcher may not add users; the answer names the role and the permission.
    status, body, _ = desk.call("POST", "/users", {"username": "x", "password": PASSWORD, "role": "admin"})
    assert status == 403 and "dispatcher" in body["message"] and "administer" in body["message"]

    # The event is signed by wang, whatever a header claims.
    # Every page of the record (a fresh store holds the generated ledger history first).
    events, path = [], "/events?limit=5000"
    while path:
        status, page, _ = admin.call("GET", path, headers={"X-Lookout-Actor": "someone"})
        assert status == 200, page
        events += page["events"]
        path = page.get("next") and "/events?" + page["next"].split("?", 1)[1]
    opened_events = [e for e in events if e["event"]["type"] == "incident_opened"]
    assert opened_events and opened_events[-1]["actor"] == "wang"
    assert not [e for e in events if e["event"]["type"] in ("signed_in", "user_created")]

    # Sign out: the session ends.
    assert desk.call("POST", "/auth/logout")[0] == 204
    assert desk.call("GET", "/auth/me")[0] == 401

    # Disabling a user ends their sessions at once.
    again = Browser(base)
    again.call("POST", "/auth/login", {"username": "wang", "password": PASSWORD})
    assert again.call("GET", "/auth/me")[0] == 200
    status, body, _ = admin.call("PATCH", "/users/wang", {"disabled": True})
    assert status == 200 and body["disabled"] is True
    assert again.call("GET", "/auth/me")[0] == 401

    # The audit has it all, without hashes.
    status, audit, _ = admin.call("GET", "/audit?limit=1000")
    assert status == 200
    kinds = {e["type"] for e in audit["entries"]}
    assert {"user_created", "signed_in", "signed_out", "user_disabled", "incident_opened"} <= kinds, kinds
    assert "argon2" not in json.dumps(audit)


def test_failed_sign_ins_are_rate_limited_per_user(closed):
    base = closed.url
    codes = []
    for _ in range(7):
        status, body, headers = request("POST", base + "/auth/login", {"username": "chief", "password": "wrong password"})
        codes.append(status)
    assert codes[:5] == [401] * 5, codes
    assert codes[5:] == [429, 429], codes
    assert int(headers["retry-after"]) > 0
    # Even the right password waits now.
    status, _, _ = request("POST", base + "/auth/login", {"username": "chief", "password": PASSWORD})
    assert status == 429


def test_a_token_from_the_command_line_works_as_a_bearer_and_the_cli_waits_for_the_server(closed, tmp_path):
    # While the server runs, the command line does not write to its journal.
    out = subprocess.run([str(BIN), "token", "create", "--name", "gateway", "--role", "viewer",
                          "--state-dir", str(closed.state_dir)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0 and "lookout serve" in out.stderr, out.stderr
    closed.stop()
    out = subprocess.run([str(BIN), "token", "create", "--name", "gateway", "--role", "viewer", "--user", "chief",
                          "--state-dir", str(closed.state_dir)], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    secret = out.stdout.strip()
    assert re.fullmatch(r"lk_[0-9a-f]{64}", secret)
    listed = subprocess.run([str(BIN), "token", "list", "--state-dir", str(closed.state_dir)],
                            cwd=ROOT, capture_output=True, text=True)
    assert "gateway" in listed.stdout and secret not in listed.stdout
    closed.start()
    bearer = {"Authorization": f"Bearer {secret}"}
    status, me, _ = request("GET", closed.url + "/auth/me", headers=bearer)
    assert status == 200 and me["user"]["role"] == "viewer" and me["token"] == "gateway", me
    assert request("GET", closed.url + "/collections/enterprises/items?limit=1", headers=bearer)[0] == 200
    status, body, _ = request("POST", closed.url + "/incidents", {"kind": "fire", "location": [112.55, 37.85]}, bearer)
    assert status == 403 and "viewer" in body["message"]
    # No set-up link once there are users.
    assert "#setup=" not in closed.log.read_text().split("store open")[-1]
