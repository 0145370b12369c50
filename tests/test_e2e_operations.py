"""The real server: one access-log line per request, and SIGTERM lets a stream in flight finish."""

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from conftest import meetings_command, serve, sqlite_url
from synthetic import write_ndjson

pytestmark = pytest.mark.e2e


def server_log(running) -> str:
    # A file of its own: seeking the shared one would move the server's write position.
    return Path(running["log"].name).read_text()


def access_lines(text: str) -> list[dict]:
    lines = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [line for line in lines if line.get("logger") == "meetings.access"]


def wait_for_ids(running, ids: set[str], seconds: float = 15) -> list[dict]:
    """The access lines, once every id has one (each is written as its request ends)."""
    deadline = time.monotonic() + seconds
    while True:
        lines = access_lines(server_log(running))
        if ids <= {line["request_id"] for line in lines} or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_the_server_logs_one_json_line_per_request(tmp_path):
    env = {**os.environ, "DATABASE_URL": sqlite_url(tmp_path / "logged.db")}
    with serve(tmp_path, env, workers=2) as running:
        sent = {}
        for number, (path, status) in enumerate(
            [("/v1/meetings?limit=1", 200), ("/v1/no-such-thing", 404), ("/v1/topics?limit=0", 422)]
        ):
            request_id = f"e2e-{number}"
            response = requests.get(
                running["base"] + path, headers={"X-Request-ID": request_id}, timeout=10
            )
            assert response.status_code == status
            assert response.headers["X-Request-ID"] == request_id
            sent[request_id] = (path, status)
        response = requests.get(running["base"] + "/v1/countries/JP", timeout=10)
        sent[response.headers["X-Request-ID"]] = ("/v1/countries/JP", 200)
        lines = wait_for_ids(running, set(sent))
        text = server_log(running)
    for request_id, (path, status) in sent.items():
        [line] = [line for line in lines if line["request_id"] == request_id]
        assert line["path"] + (f"?{line['query']}" if line["query"] else "") == path
        assert (line["method"], line["status"]) == ("GET", status)
        assert line["remote_addr"] == "127.0.0.1" and line["duration_ms"] >= 0
    # granian's own access log stays off: the JSON line is the only one per request.
    assert "GET /v1/countries/JP HTTP/1.1" not in text


def test_sigterm_lets_a_stream_in_flight_finish(tmp_path):
    env = {**os.environ, "DATABASE_URL": sqlite_url(tmp_path / "big.db")}
    records = tmp_path / "synthetic.ndjson"
    write_ndjson(records, 3000, seed=21)
    subprocess.run(
        [*meetings_command(), "import", str(records)],
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )
    with serve(tmp_path, env, workers=1) as running:
        base, process = running["base"], running["process"]
        total = requests.get(f"{base}/v1/meetings?limit=1", timeout=10).json()["meta"]["total"]
        assert total >= 3000
        with requests.get(
            f"{base}/v1/meetings",
            headers={"Accept": "application/x-ndjson", "X-Request-ID": "long-stream"},
            stream=True,
            timeout=(5, 60),
        ) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            received = [next(lines)]
            process.send_signal(signal.SIGTERM)
            received += [line for line in lines if line]
        assert process.wait(timeout=60) == 0
        text = server_log(running)
    ids = [json.loads(line)["id"] for line in received]
    assert len(ids) == len(set(ids)) == total
    # The stream's access line is written when it ends: after the signal arrived.
    signalled = text.index("Shutting down granian")
    finished = text.index('"request_id": "long-stream"')
    assert signalled < finished, "the response had ended before SIGTERM: nothing was proven"
