"""Races against the real server, on both databases: creates of one id, derived ids, one
Idempotency-Key, and a mirror following the change feed while writers commit. Each race runs
several rounds in one test: a race that passes once proves little."""

import os
import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import cli_key, new_meeting, serve

pytestmark = pytest.mark.e2e

WRITERS = 8
ROUNDS = 10
MERGE = "application/merge-patch+json"


@pytest.fixture(scope="module")
def server(tmp_path_factory, databases):
    folder = tmp_path_factory.mktemp("races")
    env = {**os.environ, "DATABASE_URL": databases.seeded(), "MEETINGS_WRITE_RATE_LIMIT": "off"}
    env["MEETINGS_READ_RATE_LIMIT"] = "off"
    key = cli_key(env, "races")
    with serve(folder, env, workers=4) as running:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        yield {**running, "session": session}


def at_once(count: int, request) -> list[requests.Response]:
    """`count` threads, each with its own connection, send `request(number, session)` as
    nearly at once as a barrier lets them."""
    start = threading.Barrier(count)

    def one(number: int) -> requests.Response:
        session = requests.Session()
        start.wait(timeout=30)
        return request(number, session)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def post_at_once(base: str, body: dict, headers: dict) -> list[requests.Response]:
    """WRITERS creates of `body` sent at once."""
    return at_once(
        WRITERS, lambda n, s: s.post(f"{base}/v1/meetings", json=body, headers=headers, timeout=60)
    )


def last_seq(base: str) -> int:
    """The seq of the newest change in the log."""
    since = 0
    while True:
        page = requests.get(f"{base}/v1/changes?since={since}&limit=1000", timeout=30).json()
        if not page["data"]:
            return since
        since = page["meta"]["next_since"]


def changes_since(base: str, since: int) -> list[dict]:
    """Every change after `since`, following `links.next` to the end."""
    found, url = [], f"{base}/v1/changes?since={since}&limit=1000"
    while True:
        page = requests.get(url, timeout=30).json()
        found += page["data"]
        if not page["data"]:
            return found
        url = page["links"]["next"]


def test_concurrent_creates_of_one_id_have_one_winner(server):
    base, headers = server["base"], dict(server["session"].headers)
    for round_number in range(ROUNDS):
        meeting_id = f"same-id-race-{round_number}"
        body = new_meeting(id=meeting_id)
        answers = post_at_once(base, body, headers)
        statuses = Counter(a.status_code for a in answers)
        assert statuses == {201: 1, 409: WRITERS - 1}, (round_number, statuses)
        for answer in answers:
            if answer.status_code == 409:
                problem = answer.json()
                assert answer.headers["Content-Type"] == "application/problem+json"
                assert meeting_id in problem["detail"] and "id" in problem["errors"]
        stored = requests.get(f"{base}/v1/meetings/{meeting_id}", timeout=10)
        assert stored.json()["revision"] == 1
        assert stored.headers["ETag"] == f'"{meeting_id}.1"'
    logged = [c for c in changes_since(base, 0) if c["id"].startswith("same-id-race-")]
    assert Counter(c["op"] for c in logged) == {"created": ROUNDS}


def test_concurrent_creates_with_derived_ids_all_succeed(server):
    base, headers = server["base"], dict(server["session"].headers)
    body = new_meeting(date="2031-05-04")
    made = set()
    for round_number in range(ROUNDS):
        answers = post_at_once(base, body, headers)
        statuses = Counter(a.status_code for a in answers)
        assert statuses == {201: WRITERS}, (round_number, statuses)
        ids = {a.json()["id"] for a in answers}
        assert len(ids) == WRITERS and not ids & made
        made |= ids
    assert all(i.startswith("2031-05-04-jp-kr-foreign-ministers") for i in made)
    for meeting_id in made:
        assert requests.get(f"{base}/v1/meetings/{meeting_id}", timeout=10).status_code == 200


def test_concurrent_requests_with_one_idempotency_key_make_one_record(server):
    base, headers = server["base"], dict(server["session"].headers)
    for round_number in range(ROUNDS):
        day = f"2032-01-{round_number + 1:02}"
        keyed = {**headers, "Idempotency-Key": f"idempotency-race-{round_number}"}
        answers = post_at_once(base, new_meeting(date=day), keyed)
        statuses = Counter(a.status_code for a in answers)
        assert statuses == {201: WRITERS}, (round_number, statuses)
        assert len({a.headers["Location"] for a in answers}) == 1
        assert len({a.content for a in answers}) == 1
        fresh = [a for a in answers if a.headers.get("Idempotent-Replayed") != "true"]
        assert len(fresh) == 1
        listed = requests.get(f"{base}/v1/meetings?from={day}&to={day}", timeout=10).json()
        assert listed["meta"]["total"] == 1


def feed_round(server: dict, records: list[str], repetition: int) -> None:
    """200 PATCHes from WRITERS threads while a poller follows the feed from its end."""
    base, session = server["base"], server["session"]
    start = last_seq(base)
    done, seen = threading.Event(), []

    def poll():
        url = f"{base}/v1/changes?since={start}&limit=7"
        while True:
            finished = done.is_set()
            page = requests.get(url, timeout=30).json()
            seen.extend(c["seq"] for c in page["data"])
            url = page["links"]["next"]
            if finished and not page["data"]:
                return

    def patch_own(number, own):
        record_id, statuses = records[number], Counter()
        tag = own.get(f"{base}/v1/meetings/{record_id}", timeout=30).headers["ETag"]
        for step in range(200 // WRITERS):
            answer = own.patch(
                f"{base}/v1/meetings/{record_id}",
                data=f'{{"summary": "Round {repetition}, step {step}."}}',
                headers={**session.headers, "If-Match": tag, "Content-Type": MERGE},
                timeout=60,
            )
            statuses[answer.status_code] += 1
            tag = answer.headers["ETag"]
        return statuses

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        results = at_once(WRITERS, patch_own)
    finally:
        done.set()
        poller.join(timeout=120)
    assert not poller.is_alive()
    assert sum(results, Counter()) == {200: 200}
    logged = [c["seq"] for c in changes_since(base, start)]
    assert len(logged) == 200
    assert seen == logged, (repetition, sorted(set(logged) - set(seen)))


def test_a_poller_following_the_feed_misses_no_change(server):
    base, session = server["base"], server["session"]
    records = [f"feed-race-{n}" for n in range(WRITERS)]
    for record_id in records:
        assert session.post(f"{base}/v1/meetings", json=new_meeting(id=record_id)).ok
    for repetition in range(5):
        feed_round(server, records, repetition)


def test_a_mirror_built_from_the_feed_equals_the_source(server):
    """Random creates, updates and deletes from 8 threads while a poller keeps a mirror."""
    base, headers = server["base"], dict(server["session"].headers)
    start = last_seq(base)
    mirror: dict[str, dict] = {}
    done = threading.Event()

    def apply(change):
        if change["op"] == "deleted":
            mirror.pop(change["id"], None)
            return
        answer = requests.get(f"{base}/v1/meetings/{change['id']}", timeout=30)
        if answer.status_code == 410:  # deleted later: that change is still to come
            return
        assert answer.status_code == 200
        mirror[change["id"]] = answer.json()

    def poll():
        url = f"{base}/v1/changes?since={start}&limit=5"
        while True:
            finished = done.is_set()
            page = requests.get(url, timeout=30).json()
            for change in page["data"]:
                apply(change)
            url = page["links"]["next"]
            if finished and not page["data"]:
                return

    def churn(number, own):
        rng, mine, made, tags = random.Random(number), [], [], {}
        for step in range(25):
            action = rng.choice(["create", "update", "update", "delete"] if mine else ["create"])
            if action == "create":
                record_id = f"mirror-{number}-{step}"
                answer = own.post(
                    f"{base}/v1/meetings",
                    json=new_meeting(id=record_id),
                    headers=headers,
                    timeout=60,
                )
                assert answer.status_code == 201
                mine.append(record_id)
                made.append(record_id)
                tags[record_id] = answer.headers["ETag"]
                continue
            record_id = rng.choice(mine)
            write_headers = {**headers, "If-Match": tags[record_id]}
            if action == "delete":
                answer = own.delete(
                    f"{base}/v1/meetings/{record_id}", headers=write_headers, timeout=60
                )
                assert answer.status_code == 204
                mine.remove(record_id)
                continue
            answer = own.patch(
                f"{base}/v1/meetings/{record_id}",
                data=f'{{"title": "Writer {number}, step {step}"}}',
                headers={**write_headers, "Content-Type": MERGE},
                timeout=60,
            )
            assert answer.status_code == 200
            tags[record_id] = answer.headers["ETag"]
        return made

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        made = [record_id for ids in at_once(WRITERS, churn) for record_id in ids]
    finally:
        done.set()
        poller.join(timeout=120)
    assert not poller.is_alive()
    source = {}
    for record_id in made:
        answer = requests.get(f"{base}/v1/meetings/{record_id}", timeout=30)
        assert answer.status_code in (200, 410)
        if answer.status_code == 200:
            source[record_id] = answer.json()
    assert 0 < len(source) < len(made)  # some were deleted, some kept
    assert {k: v for k, v in mirror.items() if k.startswith("mirror-")} == source
