"""The committed openapi.yaml is what the code generates, valid, complete, and served."""

import re

import yaml
from conftest import ROOT
from openapi_spec_validator import validate

from api.http.openapi import spec_dict, spec_yaml


def generated(app) -> str:
    return spec_yaml(app.extensions["flask-smorest"]["apis"][""]["ext_obj"])


def test_committed_spec_matches_the_code(app):
    committed = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert committed == generated(app), (
        "openapi.yaml drifted: run `meetings openapi -o openapi.yaml`"
    )


def test_spec_is_valid_openapi_3_1():
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_every_operation_is_documented():
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]
    assert len(operations) >= 10
    for path, method, op in operations:
        name = f"{method.upper()} {path}"
        assert op.get("summary") and op.get("description"), name
        assert op.get("tags"), name
        if "{" in path:
            assert "404" in op["responses"], name
        if any(p["in"] == "query" for p in op.get("parameters", [])):
            assert "422" in op["responses"], name


def test_errors_are_documented_as_problem_json():
    spec = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))
    for name in ("NOT_FOUND", "UNPROCESSABLE_ENTITY", "DEFAULT_ERROR"):
        content = spec["components"]["responses"][name]["content"]
        assert list(content) == ["application/problem+json"], name
        assert content["application/problem+json"]["schema"] == {
            "$ref": "#/components/schemas/Problem"
        }


def test_served_json_and_yaml_equal_the_generated_spec(client, app):
    expected = spec_dict(app.extensions["flask-smorest"]["apis"][""]["ext_obj"])
    as_json = client.get("/v1/openapi.json")
    assert as_json.status_code == 200 and as_json.mimetype == "application/json"
    assert as_json.get_json() == expected
    as_yaml = client.get("/v1/openapi.yaml")
    assert as_yaml.status_code == 200 and as_yaml.mimetype == "application/yaml"
    assert as_yaml.get_data(as_text=True) == generated(app)


def test_docs_are_served_without_a_cdn(client):
    page = client.get("/docs/", follow_redirects=True)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/v1/openapi.json" in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for asset in assets:
        if asset.endswith((".js", ".css")):
            response = client.get(asset)
            assert response.status_code == 200, asset
            assert len(response.get_data()) > 100, asset
            response.close()
