"""Several writers at once against the real server: no 5xx, no lost write, one race winner."""

import os
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import cli_key, new_meeting, serve

pytestmark = pytest.mark.e2e

WRITERS = 8
WRITES_EACH = 200
RECORDS_EACH = 20
MERGE = "application/merge-patch+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory, databases):
    folder = tmp_path_factory.mktemp("concurrency")
    # 1,600 writes with one key in well under a minute: far over the default write limit.
    env = {**os.environ, "DATABASE_URL": databases.seeded(), "MEETINGS_WRITE_RATE_LIMIT": "off"}
    key = cli_key(env, "load")
    with serve(folder, env, workers=4) as running:
        yield {**running, "headers": {"Authorization": f"Bearer {key}"}}


def writer(base: str, headers: dict, number: int) -> dict:
    """Creates its own records, then patches them round-robin; returns what it expects."""
    session, statuses, tags, expected = requests.Session(), Counter(), {}, {}
    for i in range(RECORDS_EACH):
        record_id = f"load-{number}-{i}"
        response = session.post(
            f"{base}/v1/meetings", headers=headers, timeout=30, json=new_meeting(id=record_id)
        )
        statuses[response.status_code] += 1
        if response.status_code == 201:
            tags[record_id] = response.headers["ETag"]
            expected[record_id] = (
                "The two ministers spoke by phone and agreed to keep in close contact.",
                1,
            )
    for step in range(WRITES_EACH - RECORDS_EACH):
        record_id = f"load-{number}-{step % RECORDS_EACH}"
        summary = f"Writer {number}, step {step}."
        response = session.patch(
            f"{base}/v1/meetings/{record_id}",
            data=f'{{"summary": "{summary}"}}',
            timeout=30,
            headers={**headers, "If-Match": tags.get(record_id, '"none"'), "Content-Type": MERGE},
        )
        statuses[response.status_code] += 1
        if response.status_code == 200:
            tags[record_id] = response.headers["ETag"]
            expected[record_id] = (summary, expected[record_id][1] + 1)
    return {"statuses": statuses, "expected": expected}


def test_concurrent_writers_lose_nothing(server):
    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(
            pool.map(lambda n: writer(server["base"], server["headers"], n), range(WRITERS))
        )
    statuses = sum((r["statuses"] for r in results), Counter())
    assert sum(statuses.values()) == WRITERS * WRITES_EACH
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses == {201: WRITERS * RECORDS_EACH, 200: WRITERS * (WRITES_EACH - RECORDS_EACH)}, (
        statuses
    )
    for result in results:
        for record_id, (summary, revision) in result["expected"].items():
            stored = requests.get(f"{server['base']}/v1/meetings/{record_id}", timeout=10).json()
            assert (stored["summary"], stored["revision"]) == (summary, revision)
    server["log"].seek(0)
    assert "locked" not in server["log"].read()


def test_same_etag_race_has_exactly_one_winner(server):
    base, headers = server["base"], server["headers"]
    created = requests.post(
        f"{base}/v1/meetings", headers=headers, timeout=30, json=new_meeting(id="race-target")
    )
    assert created.status_code == 201
    tag, start = created.headers["ETag"], threading.Barrier(WRITERS)

    def contender(number: int) -> int:
        start.wait(timeout=30)
        return requests.patch(
            f"{base}/v1/meetings/race-target",
            data=f'{{"title": "Winner {number}"}}',
            headers={**headers, "If-Match": tag, "Content-Type": MERGE},
            timeout=30,
        ).status_code

    with ThreadPoolExecutor(WRITERS) as pool:
        outcomes = Counter(pool.map(contender, range(WRITERS)))
    assert outcomes == {200: 1, 412: WRITERS - 1}, outcomes
    final = requests.get(f"{base}/v1/meetings/race-target", timeout=10).json()
    assert final["revision"] == 2 and final["title"].startswith("Winner ")
