"""The OpenAPI document is valid OpenAPI 3.0 (openapi-spec-validator) and
describes every route the server answers."""
from openapi_spec_validator import validate

from conftest import get


def test_openapi_document_is_valid(server):
    status, spec = get(server.url + "/openapi.json")
    assert status == 200
    validate(spec)


def test_every_path_parameter_is_declared_and_tiles_have_tilejson(server):
    spec = get(server.url + "/openapi.json")[1]
    assert "get" in spec["paths"]["/tiles/{layers}"], "TileJSON"
    for path, item in spec["paths"].items():
        names = [s[1:-1] for s in path.split("/") if s.startswith("{")]
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert set(names) <= declared, (method, path)
            assert op["responses"], (method, path)
