"""`lookout import --layer` per format (docs/data.md): fixtures written here
(CSV and GeoJSON by hand; XLSX, Shapefile in a Gauss–Krüger zone and
GeoPackage by ogr2ogr), then the real server shows the rows with their
fields, within 0.5 m; a file with ten kinds of bad rows stores none of
them; a re-import updates in place; the CLI refuses while a server holds
the store, and the server takes the same import over HTTP."""
import csv
import json
import math
import subprocess
import urllib.error
import urllib.parse
import urllib.request
import zipfile

import pytest

from conftest import BIN, ROOT, Server, get

CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]

# Enterprises around Taiyuan and Linfen, WGS 84.
POINTS = [(112.5491, 37.8706), (112.5600, 37.8100), (111.5190, 36.0880), (111.5300, 36.1000), (112.7300, 37.6900)]


def credit_code(n):
    """A valid unified social credit code (GB 32100-2015 check character)."""
    body = f"91140105{n:09d}"
    check = (31 - sum(CODE_CHARS.index(c) * w for c, w in zip(body, WEIGHTS)) % 31) % 31
    return body + CODE_CHARS[check]


def distance_m(a, b):
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


MAPPING = """
layer = "enterprises"
external_id = "ID"
{geometry}
[fields]
name = "NAME"
credit_code = "CODE"
address = "ADDR"
industry = "IND"
risk_level = {{ column = "RISK", values = {{ "重大" = "red", "较大" = "orange", "一般" = "yellow", "低" = "blue" }} }}
employees = "EMP"
supervisor = "SUP"
"""
COLUMNS = ["ID", "NAME", "CODE", "ADDR", "IND", "RISK", "EMP", "SUP"]


def rows(prefix, start):
    out = []
    for i, (lon, lat) in enumerate(POINTS):
        out.append({"ID": f"{prefix}{i}", "NAME": f"{prefix}测试企业{i}", "CODE": credit_code(start + i),
                    "ADDR": "太原市测试路1号", "IND": ["危险化学品", "coal_mine", "冶金", "烟花爆竹", "燃气"][i],
                    "RISK": ["重大", "较大", "一般", "低", "重大"][i], "EMP": str(10 + i), "SUP": "测试应急管理局",
                    "lon": lon, "lat": lat})
    return out


def write_csv(path, records, columns=COLUMNS + ["lon", "lat"]):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in records:
            w.writerow(r)


def write_geojson(path, records):
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [r["lon"], r["lat"]]},
                 "properties": {k: r[k] for k in COLUMNS}} for r in records]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")


def ogr2ogr(*args):
    subprocess.run(["ogr2ogr", *map(str, args)], check=True, capture_output=True)


def lookout_import(state, *args):
    return subprocess.run([str(BIN), "import", "--state-dir", str(state), "--data-dir", str(ROOT / "data"), *map(str, args)],
                          capture_output=True, text=True, timeout=600, cwd=ROOT)


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Each format imported by the command line into one fresh embedded store."""
    d = tmp_path_factory.mktemp("import")
    state = d / "state"
    table_mapping = d / "table.toml"
    table_mapping.write_text(MAPPING.format(geometry='[geometry]\nlon = "lon"\nlat = "lat"'), encoding="utf-8")
    file_mapping = d / "file.toml"
    file_mapping.write_text(MAPPING.format(geometry=""), encoding="utf-8")
    expected = {}
    files = []
    # CSV
    recs = rows("CSV", 100)
    write_csv(d / "e.csv", recs)
    files.append(("CSV", d / "e.csv", table_mapping, recs))
    # XLSX: the CSV converted by GDAL's XLSX driver (numbers become numeric cells)
    recs = rows("XLSX", 200)
    write_csv(d / "x.csv", recs)
    ogr2ogr("-f", "XLSX", d / "e.xlsx", d / "x.csv", "-oo", "AUTODETECT_TYPE=YES", "-nln", "企业")
    files.append(("XLSX", d / "e.xlsx", table_mapping, recs))
    # GeoJSON
    recs = rows("GJ", 300)
    write_geojson(d / "e.geojson", recs)
    files.append(("GeoJSON", d / "e.geojson", file_mapping, recs))
    # Shapefile, projected to CGCS2000 3° Gauss–Krüger zone 38 (its .prj says so)
    recs = rows("SHP", 400)
    write_geojson(d / "s.geojson", recs)
    ogr2ogr("-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-t_srs", "EPSG:4526", d / "e.shp", d / "s.geojson")
    files.append(("Shapefile", d / "e.shp", file_mapping, recs))
    # GeoPackage
    recs = rows("GPKG", 500)
    write_geojson(d / "g.geojson", recs)
    ogr2ogr("-f", "GPKG", d / "e.gpkg", d / "g.geojson")
    files.append(("GeoPackage", d / "e.gpkg", file_mapping, recs))
    outputs = {}
    for name, path, mapping, recs in files:
        out = lookout_import(state, "--layer", "enterprises", "--from", path, "--mapping", mapping)
        assert out.returncode == 0, f"{name}: {out.stderr[-3000:]}"
        outputs[name] = out.stderr
        expected[name] = recs
    return {"dir": d, "state": state, "expected": expected, "outputs": outputs, "table_mapping": table_mapping}


@pytest.fixture(scope="module")
def server_after(imported):
    s = Server(imported["state"]).start()
    yield s
    s.stop()


def feature_named(server, name):
    status, body = get(server.url + "/collections/enterprises/items?" + urllib.parse.urlencode({"name": name}))
    assert status == 200
    return body["features"]


@pytest.mark.parametrize("fmt", ["CSV", "XLSX", "GeoJSON", "Shapefile", "GeoPackage"])
def test_each_format_lands_with_its_fields_and_within_half_a_metre(imported, server_after, fmt):
    assert "5 to create" in imported["outputs"][fmt], imported["outputs"][fmt]
    for r in imported["expected"][fmt]:
        found = feature_named(server_after, r["NAME"])
        assert len(found) == 1, (fmt, r["NAME"], found)
        p = found[0]["properties"]
        assert p["credit_code"] == r["CODE"]
        assert p["employees"] == int(r["EMP"])
        assert p["risk_level"] == {"重大": "red", "较大": "orange", "一般": "yellow", "低": "blue"}[r["RISK"]]
        assert p["industry"] in ("hazardous_chemicals", "coal_mine", "metallurgy", "fireworks", "gas")
        assert p["county"], "the county follows from the location"
        d = distance_m(found[0]["geometry"]["coordinates"], (r["lon"], r["lat"]))
        assert d < 0.5, f"{fmt} {r['NAME']} is {d:.3f} m off"


def test_the_cli_refuses_while_a_server_holds_the_store_and_the_server_takes_it_over_http(imported, server_after):
    out = lookout_import(imported["state"], "--layer", "enterprises", "--from", imported["dir"] / "e.csv",
                         "--mapping", imported["table_mapping"], "--dry-run")
    assert out.returncode != 0
    assert "POST /import/enterprises" in out.stderr, out.stderr
    recs = rows("HTTP", 600)
    write_csv(imported["dir"] / "h.csv", recs)
    boundary = "e2e-import"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"h.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + (imported["dir"] / "h.csv").read_bytes() + \
        (f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"mapping\"\r\n\r\n").encode() + \
        imported["table_mapping"].read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(server_after.url + "/import/enterprises", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req, timeout=120) as r:
        report = json.loads(r.read())
    assert (report["created"], report["refused_rows"], report["stored"]) == (5, 0, True), report
    assert len(feature_named(server_after, "HTTP测试企业0")) == 1


def post_import(server, filename, data, mapping):
    boundary = "e2e-import"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + \
        (f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"mapping\"\r\n\r\n").encode() + \
        mapping + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(server.url + "/import/enterprises", data=body, method="POST",
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_a_zipped_shapefile_imports_over_http_and_bad_zips_are_refused(imported, server_after, tmp_path):
    # A Shapefile in CGCS2000 Gauss–Krüger zone 38 (its .prj), with its .cpg, zipped in a folder.
    recs = rows("ZIP", 900)
    write_geojson(tmp_path / "z.geojson", recs)
    ogr2ogr("-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-t_srs", "EPSG:4526", tmp_path / "企业.shp", tmp_path / "z.geojson")
    parts = sorted(tmp_path.glob("企业.*"))
    assert {p.suffix for p in parts} >= {".shp", ".shx", ".dbf", ".prj"}
    zipped = tmp_path / "z.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        for p in parts:
            z.write(p, f"台账/{p.name}")
    mapping = (imported["dir"] / "file.toml").read_bytes()
    status, report = post_import(server_after, "企业台账.zip", zipped.read_bytes(), mapping)
    assert status == 200, report
    assert (report["created"], report["refused_rows"], report["stored"]) == (5, 0, True), report
    for r in recs:
        found = feature_named(server_after, r["NAME"])
        assert len(found) == 1 and found[0]["properties"]["credit_code"] == r["CODE"]
        d = distance_m(found[0]["geometry"]["coordinates"], (r["lon"], r["lat"]))
        assert d < 0.5, f"{r['NAME']} is {d:.3f} m off"

    def zip_of(names):
        out = tmp_path / "bad.zip"
        with zipfile.ZipFile(out, "w") as z:
            for name, source in names:
                z.writestr(name, source.read_bytes())
        return out.read_bytes()

    shp, shx, dbf = (tmp_path / f"企业.{e}" for e in ("shp", "shx", "dbf"))
    for names, reason in [
        ([("readme.txt", zipped)], "no .shp"),
        ([("../evil.shp", shp), ("../evil.shx", shx), ("../evil.dbf", dbf)], "outside the archive"),
        ([("/etc/evil.shp", shp)], "outside the archive"),
        ([("a.shp", shp), ("a.shx", shx)], "no a.dbf"),
        ([("a.shp", shp), ("b.shp", shp)], "2 .shp files"),
    ]:
        status, err = post_import(server_after, "bad.zip", zip_of(names), mapping)
        assert status == 400, (names, err)
        assert reason in err["message"], (reason, err)
    status, err = post_import(server_after, "e.shp", shp.read_bytes(), mapping)
    assert status == 400 and ".zip" in err["message"], err


BAD = [
    # (what is wrong, the row's changes)
    ("no external id", {"ID": ""}),
    ("duplicate external id", {"ID": "BAD0"}),
    ("no coordinates", {"lon": "", "lat": ""}),
    ("coordinates not numbers", {"lon": "东经112度"}),
    ("outside the region (lon/lat swapped)", {"lon": 37.87, "lat": 112.55}),
    ("required field missing", {"NAME": ""}),
    ("unknown industry", {"IND": "养殖业"}),
    ("unknown risk level", {"RISK": "紫"}),
    ("credit code check character", {"CODE": "911401050000000010"}),
    ("employees not a number", {"EMP": "很多"}),
]


def test_ten_kinds_of_bad_rows_are_each_reported_and_none_is_stored(imported, tmp_path):
    state = tmp_path / "state"
    good = rows("BAD", 700)[0]
    records = [good]
    for i, (_, change) in enumerate(BAD):
        r = dict(good, ID=f"BAD{i + 1}", NAME=f"坏行{i + 1}", CODE=credit_code(710 + i))
        r.update(change)
        records.append(r)
    write_csv(tmp_path / "bad.csv", records)
    report = tmp_path / "bad.csv.report.csv"
    out = lookout_import(state, "--layer", "enterprises", "--from", tmp_path / "bad.csv", "--mapping", imported["table_mapping"])
    assert out.returncode == 0, out.stderr
    assert "1 to create" in out.stderr and "10 refused" in out.stderr, out.stderr
    with open(report, encoding="utf-8") as f:
        problems = list(csv.DictReader(f))
    assert {int(p["row"]) for p in problems} == set(range(3, 13)), problems
    for p in problems:
        assert p["field"] and p["reason"], p
    s = Server(state).start()
    try:
        assert len(feature_named(s, "BAD测试企业0")) == 1
        for i in range(len(BAD)):
            assert feature_named(s, f"坏行{i + 1}") == [], BAD[i][0]
    finally:
        s.stop()


def test_a_reimport_updates_in_place(imported, tmp_path):
    state = tmp_path / "state"
    recs = rows("RE", 800)
    write_csv(tmp_path / "re.csv", recs)
    assert lookout_import(state, "--layer", "enterprises", "--from", tmp_path / "re.csv", "--mapping", imported["table_mapping"]).returncode == 0
    recs[0]["NAME"] = "RE测试企业0（更名）"
    recs[0]["EMP"] = "99"
    write_csv(tmp_path / "re.csv", recs[:4])
    out = lookout_import(state, "--layer", "enterprises", "--from", tmp_path / "re.csv", "--mapping", imported["table_mapping"])
    assert "0 to create, 1 to update, 3 unchanged" in out.stderr and "1 missing" in out.stderr, out.stderr
    s = Server(state).start()
    try:
        renamed = feature_named(s, "RE测试企业0（更名）")
        assert len(renamed) == 1 and renamed[0]["properties"]["employees"] == 99
        assert renamed[0]["properties"]["external_id"] == "RE0"
        assert feature_named(s, "RE测试企业0") == []
        assert len(feature_named(s, "RE测试企业4")) == 1, "kept without --delete-missing"
    finally:
        s.stop()
