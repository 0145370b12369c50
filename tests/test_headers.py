"""CORS (open for reads, closed for writes) and the security headers of every response."""

import base64
import hashlib
import re

import pytest
from conftest import assert_problem, new_meeting

EXPOSED = {
    "ETag",
    "Link",
    "X-Request-ID",
    "RateLimit-Limit",
    "RateLimit-Remaining",
    "RateLimit-Reset",
    "Retry-After",
}
ORIGIN = {"Origin": "https://dashboard.example"}


def names(header: str) -> set[str]:
    return {part.strip() for part in header.split(",")}


# --- CORS --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/meetings?limit=1", "/v1/countries/JP", "/v1/openapi.json"])
def test_reads_are_open_to_any_origin(client, path):
    for response in (client.get(path, headers=ORIGIN), client.head(path, headers=ORIGIN)):
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert names(response.headers["Access-Control-Expose-Headers"]) == EXPOSED


def test_read_errors_and_304s_are_readable_too(client):
    missing = client.get("/v1/meetings/no-such-meeting", headers=ORIGIN)
    assert_problem(missing, 404)
    assert missing.headers["Access-Control-Allow-Origin"] == "*"
    first = client.get("/v1/meetings?limit=1").get_json()["data"][0]["id"]
    tag = client.get(f"/v1/meetings/{first}").headers["ETag"]
    again = client.get(f"/v1/meetings/{first}", headers={**ORIGIN, "If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_preflight_for_a_read_is_allowed(client, method):
    response = client.options(
        "/v1/meetings",
        headers={
            **ORIGIN,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "if-none-match, x-request-id",
        },
    )
    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert names(response.headers["Access-Control-Allow-Methods"]) == {"GET", "HEAD"}
    allowed = {h.lower() for h in names(response.headers["Access-Control-Allow-Headers"])}
    assert allowed == {"if-none-match", "accept", "x-request-id"}
    assert int(response.headers["Access-Control-Max-Age"]) > 0


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/v1/meetings", "GET, HEAD, OPTIONS, POST"),
        ("/v1/meetings/some-id", "DELETE, GET, HEAD, OPTIONS, PATCH, PUT"),
        ("/healthz", "GET, HEAD, OPTIONS"),
    ],
)
def test_options_is_a_204_naming_the_methods_with_no_body_or_type(client, path, methods):
    response = client.options(path)
    assert response.status_code == 204 and response.get_data() == b""
    assert "Content-Type" not in response.headers
    assert response.headers["Allow"] == methods
    assert_problem(client.options("/v1/no-such-thing"), 404)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_preflight_for_a_write_gets_no_cors_headers(client, method):
    for path in ("/v1/meetings", "/v1/meetings/some-id"):
        response = client.options(
            path,
            headers={
                **ORIGIN,
                "Access-Control-Request-Method": method,
                "Access-Control-Request-Headers": "authorization, content-type",
            },
        )
        assert response.status_code < 300
        assert not [h for h in response.headers.keys() if h.lower().startswith("access-control-")]


def test_write_responses_never_carry_allow_origin(client, auth):
    created = client.post("/v1/meetings", json=new_meeting(id="cors-write"), headers=ORIGIN | auth)
    assert created.status_code == 201
    refused = client.post("/v1/meetings", json=new_meeting(), headers=ORIGIN)
    assert_problem(refused, 401)
    deleted = client.delete(
        "/v1/meetings/cors-write", headers={**ORIGIN, **auth, "If-Match": created.headers["ETag"]}
    )
    assert deleted.status_code == 204
    for response in (created, refused, deleted):
        assert "Access-Control-Allow-Origin" not in response.headers


# --- Security headers --------------------------------------------------------------------------

API_POLICY = "default-src 'none'; frame-ancestors 'none'"


def assert_common_security_headers(response):
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_every_api_response_is_locked_down(client, auth):
    responses = [
        client.get("/v1/meetings?limit=1"),
        client.get("/v1/meetings", headers={"Accept": "text/csv"}),
        client.get("/v1/openapi.yaml"),
        client.get("/v1/no-such-thing"),
        client.delete("/v1/meetings"),
        client.get("/v1/meetings?limit=0"),
        client.post("/v1/meetings", json={}, headers=auth),
        client.options("/v1/meetings", headers={"Access-Control-Request-Method": "GET"}),
        client.get("/healthz"),
    ]
    assert [r.status_code for r in responses] == [200, 200, 200, 404, 405, 422, 422, 204, 200]
    for response in responses:
        assert_common_security_headers(response)
        assert response.headers["Content-Security-Policy"] == API_POLICY


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_the_docs_page_policy_allows_exactly_what_the_page_uses(client):
    response = client.get("/docs/")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert_common_security_headers(response)
    policy = directives(response.headers["Content-Security-Policy"])
    html = response.get_data(as_text=True)
    # Every inline script is allowed by its hash; no 'unsafe-inline' or 'unsafe-eval' for code.
    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert inline, "the page was expected to configure Swagger UI inline"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    # Scripts, styles and icons all come from the app itself: no CDN.
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith("/docs/"), url
        with client.get(url) as asset:
            assert asset.status_code == 200, url
    assert policy["default-src"] == ["'self'"]
    assert "'self'" in policy["script-src"] and "'self'" in policy["style-src"]
    # Swagger UI styles elements inline and draws its icons from data: URIs.
    assert "'unsafe-inline'" in policy["style-src"]
    assert "data:" in policy["img-src"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_docs_assets_carry_the_docs_policy(client):
    with client.get("/docs/swagger-ui-bundle.js") as response:
        assert response.status_code == 200
        assert_common_security_headers(response)
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
