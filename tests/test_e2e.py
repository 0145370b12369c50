"""`meetings serve` for real: granian on a free loopback port, queried with requests."""

import os
import signal
import subprocess

import pytest
import requests
from conftest import meetings_command, serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "MEETINGS_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    with serve(data, env, workers=2) as running:
        yield {**running, "data": data}


def test_first_start_creates_and_seeds_the_default_sqlite_file(server):
    assert (server["data"] / "meetings.db").exists()
    body = requests.get(f"{server['base']}/v1/meetings", timeout=5).json()
    assert body["meta"]["total"] >= 10
    assert body["data"][0]["sources"]
    server["log"].seek(0)
    assert "granian" in server["log"].read().lower()


def test_lists_pages_and_link_header(server):
    url, seen = f"{server['base']}/v1/meetings?limit=4&country=KR", []
    while url:
        response = requests.get(url, timeout=5)
        assert response.status_code == 200
        seen += [m["id"] for m in response.json()["data"]]
        url = response.links.get("next", {}).get("url")
    total = requests.get(f"{server['base']}/v1/meetings?country=KR", timeout=5).json()["meta"]
    assert len(seen) == len(set(seen)) == total["total"]


def test_etag_and_304_over_http(server):
    first = requests.get(f"{server['base']}/v1/meetings?limit=1", timeout=5).json()["data"][0]
    url = f"{server['base']}/v1/meetings/{first['id']}"
    response = requests.get(url, timeout=5)
    again = requests.get(url, headers={"If-None-Match": response.headers["ETag"]}, timeout=5)
    assert again.status_code == 304 and again.content == b""


def test_problem_over_http(server):
    response = requests.get(f"{server['base']}/v1/meetings?limit=0", timeout=5)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {
        "limit": ["Must be greater than or equal to 1 and less than or equal to 100."]
    }


def test_every_endpoint_answers(server):
    for path in (
        "/v1/countries",
        "/v1/countries/JP",
        "/v1/people",
        "/v1/sources",
        "/v1/topics",
        "/v1/openapi.json",
        "/v1/openapi.yaml",
        "/docs/",
    ):
        assert requests.get(server["base"] + path, timeout=5).status_code == 200, path


def test_sigterm_stops_the_server_cleanly(server):
    process = server["process"]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_a_key_made_before_the_first_start_does_not_stop_the_seeding(tmp_path):
    env = {**os.environ, "MEETINGS_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    made = subprocess.run(
        [*meetings_command(), "keys", "create", "early"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    with serve(tmp_path, env, workers=1) as running:
        body = requests.get(f"{running['base']}/v1/meetings", timeout=5).json()
        assert body["meta"]["total"] >= 10
