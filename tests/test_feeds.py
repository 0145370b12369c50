"""Unpaged feeds (CSV, NDJSON, iCalendar) from the real server: every match arrives, only so many
stream at once, other requests answer meanwhile, and a feed cut short is an error a client
sees. CSV cells, in the feed and in `meetings export`, never run as formulas."""

import csv
import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import icalendar
import pytest
import requests
from conftest import serve

pytestmark = pytest.mark.e2e

WORKERS = 2  # `meetings serve` streams as many feeds at once as it has workers
CLONES = 2500  # meetings added to the seeds: a feed of megabytes
MEDIA = ("text/csv", "application/x-ndjson", "text/calendar")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RECEIVE_BUFFER = 4096  # a held feed's: the server soon blocks, with its feed slot taken


def meetings(env: dict, *args: str) -> str:
    """`meetings ARGS` as an operator runs it; its standard output, line ends as written."""
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, capture_output=True, timeout=600
    )
    assert done.returncode == 0, done.stderr.decode()
    return done.stdout.decode()


def import_clones(env: dict, folder: Path, count: int, edit=lambda i, record: record) -> list:
    """`count` copies of the largest exported meeting, each with an id of its own (and no
    links), changed by `edit`, imported with `meetings import`; returns them."""
    exported = [json.loads(line) for line in meetings(env, "export").splitlines()]
    model = max(exported, key=lambda record: len(json.dumps(record)))
    records = [
        edit(i, {**model, "id": f"{model['date']}-feed-{i:05d}", "related": []})
        for i in range(count)
    ]
    path = folder / "clones.ndjson"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    meetings(env, "import", str(path))
    return records


def feed_ids(media: str, body: bytes) -> list[str]:
    """The meeting ids in a whole feed, in order."""
    if media == "application/x-ndjson":
        return [json.loads(line)["id"] for line in body.splitlines()]
    if media == "text/csv":
        return [row["id"] for row in csv.DictReader(io.StringIO(body.decode(), newline=""))]
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    return [str(event["uid"]).removesuffix("@meeting-records") for event in events]


def hold_feed(base: str, media: str = "application/x-ndjson"):
    """A feed asked for on a connection with a small receive buffer and read no further than
    its headers: the server blocks once the buffers are full, its feed slot taken."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
    sock.connect((host, int(port)))
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.sock = sock
    connection.request("GET", "/v1/meetings", headers={"Accept": media})
    return connection, connection.getresponse()


def assert_busy(response) -> None:
    """A 503 problem saying the feeds are all taken, with a Retry-After in seconds."""
    assert response.status_code == 503, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    problem = response.json()
    assert (problem["status"], problem["type"], problem["instance"]) == (
        503,
        "about:blank",
        "/v1/meetings",
    )
    assert "feeds" in problem["detail"] and problem["title"] == "Service Unavailable"


def wait_for_feed(base: str, media: str) -> requests.Response:
    """A whole feed, asked for again while the server still gives back the slots of feeds
    that ended (at most a minute)."""
    deadline = time.monotonic() + 60
    while True:
        response = requests.get(f"{base}/v1/meetings", headers={"Accept": media}, timeout=60)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.2)


def children(task: Path) -> list[str]:
    return (task / "children").read_text().split()


@pytest.fixture(scope="module")
def server(tmp_path_factory, databases):
    folder = tmp_path_factory.mktemp("feeds")
    env = {**os.environ, "DATABASE_URL": databases.seeded(), "MEETINGS_READ_RATE_LIMIT": "off"}
    clones = import_clones(env, folder, CLONES)
    # Granian's workers only, as the test of a feed cut short counts them: no webhook worker.
    with serve(folder, env, WORKERS, ("--no-deliver",)) as running:
        base = running["base"]
        total = requests.get(f"{base}/v1/meetings?limit=1", timeout=30).json()["meta"]["total"]
        yield {**running, "total": total, "item": clones[0]["id"]}


@pytest.mark.parametrize("media", MEDIA)
def test_a_feed_of_every_meeting_arrives_whole(server, media):
    response = requests.get(f"{server['base']}/v1/meetings", headers={"Accept": media}, timeout=120)
    assert response.status_code == 200
    # Chunked: a feed that stops before its last chunk is an error, never a shorter 200.
    assert response.headers["Transfer-Encoding"] == "chunked"
    ids = feed_ids(media, response.content)
    assert len(ids) == len(set(ids)) == server["total"] > CLONES


def test_feeds_beyond_the_servers_bound_are_503_while_other_requests_answer(server):
    base = server["base"]
    # A held feed must be larger than what the kernel can buffer, or it would end at once.
    ndjson = {"Accept": "application/x-ndjson"}
    whole = requests.get(f"{base}/v1/meetings", headers=ndjson, timeout=120)
    most_buffered = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    assert len(whole.content) > most_buffered + 2 * RECEIVE_BUFFER
    for _ in range(3):
        held = [hold_feed(base) for _ in range(WORKERS)]
        try:
            assert [response.status for _, response in held] == [200] * WORKERS
            for media in MEDIA:
                busy = requests.get(f"{base}/v1/meetings", headers={"Accept": media}, timeout=30)
                assert_busy(busy)
            for _ in range(10):
                assert requests.get(f"{base}/healthz", timeout=10).status_code == 200
                item = requests.get(f"{base}/v1/meetings/{server['item']}", timeout=10)
                assert item.status_code == 200 and item.json()["id"] == server["item"]
                page = requests.get(f"{base}/v1/meetings?limit=5", timeout=10)
                assert page.status_code == 200 and len(page.json()["data"]) == 5
        finally:
            for connection, response in held:
                response.close()
                connection.close()
        # Their slots are given back once the server finds them closed.
        again = wait_for_feed(base, "text/csv")
        assert again.status_code == 200
        assert len(feed_ids("text/csv", again.content)) == server["total"]


def test_a_feed_cut_short_is_an_error_the_client_sees(server):
    base, master = server["base"], server["process"].pid
    connection, response = hold_feed(base)
    assert response.status == 200 and response.getheader("Transfer-Encoding") == "chunked"
    assert response.read(1024)
    workers = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    for pid in workers:
        os.kill(int(pid), signal.SIGKILL)
    # The body ends without its last chunk: http.client (like curl or requests) says so.
    with pytest.raises((http.client.IncompleteRead, ConnectionError)):
        response.read()
    response.close()
    connection.close()
    # granian starts new workers (refusing connections while none is alive); the killed
    # ones' slots are free again.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/v1/meetings?limit=1", timeout=10).status_code == 200:
                break
        except requests.ConnectionError:
            time.sleep(0.2)
    # Any of the server's threads may have started them.
    respawned = {pid for task in Path(f"/proc/{master}/task").iterdir() for pid in children(task)}
    assert len(respawned) == len(workers) and not respawned & set(workers)
    for media in MEDIA:
        again = wait_for_feed(base, media)
        assert again.status_code == 200
        assert len(feed_ids(media, again.content)) == server["total"]


def test_csv_cells_never_run_as_formulas(client, database_url, tmp_path):
    env = {**os.environ, "DATABASE_URL": database_url}

    def formula(i: int, record: dict) -> dict:
        start = FORMULA_STARTS[i]
        return {**record, "title": f"{start}1+1 title", "summary": f"{start}cmd|'/c calc'!A1"}

    records = import_clones(env, tmp_path, len(FORMULA_STARTS), formula)
    feed = client.get("/v1/meetings", headers={"Accept": "text/csv"}).get_data(as_text=True)
    exported = meetings(env, "export", "--format", "csv")
    for text in (feed, exported):
        rows = {row["id"]: row for row in csv.DictReader(io.StringIO(text, newline=""))}
        for record in records:
            row = rows[record["id"]]
            assert (row["title"], row["summary"]) == (
                "'" + record["title"],
                "'" + record["summary"],
            )
        # Other cells are as they were.
        seed = next(row for row in rows.values() if "-feed-" not in row["id"])
        assert seed["title"] == client.get(f"/v1/meetings/{seed['id']}").get_json()["title"]
    for record in records:
        shown = client.get(f"/v1/meetings/{record['id']}").get_json()
        assert (shown["title"], shown["summary"]) == (record["title"], record["summary"])
