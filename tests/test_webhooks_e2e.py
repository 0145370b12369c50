"""Webhooks end to end: `meetings deliver` processes and `meetings serve`, a real receiver on
loopback, every event verified with the `standardwebhooks` package."""

import os
import signal
import subprocess
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from conftest import cli_key, new_meeting, serve
from cryptography.fernet import Fernet
from processes import meetings_command
from webhook_receiver import Receiver, event_of, ids

pytestmark = pytest.mark.e2e


@pytest.fixture
def env(database_url, tmp_path):
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "MEETINGS_DATA_DIR": str(tmp_path),
        "MEETINGS_WEBHOOK_KEY": Fernet.generate_key().decode(),
        "MEETINGS_WEBHOOK_ALLOW_LOOPBACK": "on",
        "MEETINGS_WRITE_RATE_LIMIT": "off",
        # A worker gives a receiver 2 s to answer, and holds a subscription for 4 s at most:
        # a killed worker's subscription passes on within seconds.
        "MEETINGS_WEBHOOK_TIMEOUT": "2",
        "MEETINGS_WEBHOOK_LEASE": "4",
    }


WORKERS: list = []


def worker(env: dict, folder, name: str) -> subprocess.Popen:
    """A `meetings deliver` process, its output in `name`.log."""
    log = (folder / f"{name}.log").open("w")
    process = subprocess.Popen(
        [*meetings_command(), "deliver", "--poll", "0.1"], env=env, stdout=log, stderr=log
    )
    WORKERS.append((process, log))
    return process


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        process.wait(timeout=30)
    for process, log in [w for w in WORKERS if w[0] in processes]:
        log.close()
        WORKERS.remove((process, log))


def hook_admin(env: dict) -> dict:
    """A key that `meetings keys create --scope admin` made, as an operator would."""
    made = subprocess.run(
        [*meetings_command(), "keys", "create", f"admin-{uuid.uuid4().hex[:8]}"]
        + ["--scope", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return {"Authorization": f"Bearer {made.stdout.strip()}"}


def subscribe(base: str, env: dict, url: str) -> dict:
    response = requests.post(
        f"{base}/v1/webhooks", json={"url": url}, headers=hook_admin(env), timeout=30
    )
    assert response.status_code == 201, response.text
    return response.json()


def write_meetings(base: str, key: str, count: int) -> list[str]:
    made = []
    for i in range(count):
        body = new_meeting(id=f"pushed-{i:02d}", participants=[])
        response = requests.post(
            f"{base}/v1/meetings",
            json=body,
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        made.append(body["id"])
    return made


def test_two_workers_deliver_each_event_once_in_order(env, tmp_path):
    # The API without a worker of its own: the two started here do all the delivering.
    with Receiver() as receiver, serve(tmp_path, env, 1, ("--no-deliver",)) as running:
        base = running["base"]
        hook = subscribe(base, env, receiver.url)
        writer = cli_key(env, "writer")
        workers = [worker(env, tmp_path, f"worker-{n}") for n in (1, 2)]
        auth = {"Authorization": f"Bearer {writer}"}
        try:
            made = write_meetings(base, writer, 12)
            patched = requests.patch(
                f"{base}/v1/meetings/{made[0]}",
                json={"duration_minutes": 15},
                headers={
                    **auth,
                    "Content-Type": "application/merge-patch+json",
                    "If-Match": f'"{made[0]}.1"',
                },
                timeout=30,
            )
            deleted = requests.delete(
                f"{base}/v1/meetings/{made[1]}",
                headers={**auth, "If-Match": f'"{made[1]}.1"'},
                timeout=30,
            )
            assert (patched.status_code, deleted.status_code) == (200, 204)
            received = receiver.wait_for(14, seconds=90)
        finally:
            stop(*workers)
        events = receiver.events(hook["secret"])  # each verified with standardwebhooks
    assert [(e["type"], e["data"]["id"]) for e in events] == [
        *(("meeting.created", meeting) for meeting in made),
        ("meeting.updated", made[0]),
        ("meeting.deleted", made[1]),
    ]
    assert len(ids(received)) == len(set(ids(received)))  # none sent twice
    seqs = [e["data"]["seq"] for e in events]
    assert seqs == sorted(seqs)


def test_a_worker_killed_mid_delivery_loses_nothing(env, tmp_path):
    with Receiver() as receiver, serve(tmp_path, env, 1, ("--no-deliver",)) as running:
        base = running["base"]
        hook = subscribe(base, env, receiver.url)
        writer = cli_key(env, "writer")
        made = write_meetings(base, writer, 4)
        receiver.hold.clear()  # the first delivery hangs, unanswered
        first = worker(env, tmp_path, "first")
        try:
            in_flight = receiver.wait_for(1, seconds=30)
            assert len(in_flight) == 1
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=30)
        finally:
            stop(first)
        receiver.hold.set()
        second = worker(env, tmp_path, "second")
        try:
            received = receiver.wait_for(5, seconds=60)
        finally:
            stop(second)
        events = receiver.events(hook["secret"])
    created = [e["data"]["id"] for e in events if e["type"] == "meeting.created"]
    # The killed worker's change went again, with the same webhook-id, then all the rest.
    assert created == [made[0], *made]
    assert ids(received)[0] == ids(received)[1]
    assert event_of(received[-1])["data"]["id"] == made[-1]


def test_meetings_serve_delivers_on_the_embedded_default(tmp_path):
    env = {
        **os.environ,
        "MEETINGS_DATA_DIR": str(tmp_path),
        "MEETINGS_WEBHOOK_ALLOW_LOOPBACK": "on",
    }
    env.pop("DATABASE_URL", None)
    env.pop("MEETINGS_WEBHOOK_KEY", None)
    with Receiver() as receiver, serve(tmp_path, env, workers=1) as running:
        base = running["base"]
        hook = subscribe(base, env, receiver.url)
        write_meetings(base, cli_key(env, "writer"), 1)
        receiver.wait_for(1, seconds=30)
        events = receiver.events(hook["secret"])
    assert [e["type"] for e in events] == ["meeting.created"]
    # Without MEETINGS_WEBHOOK_KEY the secrets are sealed with a key file of the data folder.
    key_file = tmp_path / "webhook.key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_concurrent_changes_of_one_subscription_with_one_etag_let_exactly_one_win(env, tmp_path):
    """Several rounds on the real server: of 6 PATCHes holding the same ETag, one is applied
    and the others are 412s, whichever instance thread takes them."""
    with Receiver() as receiver, serve(tmp_path, env, 2, ("--no-deliver",)) as running:
        base = running["base"]
        hook = subscribe(base, env, receiver.url)
        admin = hook_admin(env)
        path = f"{base}/v1/webhooks/{hook['id']}"
        for round_ in range(5):
            tag = requests.get(path, headers=admin, timeout=30).headers["ETag"]
            start = threading.Barrier(6)

            def patch(number, tag=tag, start=start, round_=round_):
                start.wait(timeout=30)
                headers = {**admin, "Content-Type": "application/merge-patch+json", "If-Match": tag}
                body = {"description": f"round {round_}, writer {number}"}
                return requests.patch(path, json=body, headers=headers, timeout=60)

            with ThreadPoolExecutor(6) as pool:
                statuses = sorted(r.status_code for r in pool.map(patch, range(6)))
            assert statuses == [200, 412, 412, 412, 412, 412], statuses
            shown = requests.get(path, headers=admin, timeout=30).json()
            assert shown["revision"] == round_ + 2 and shown["description"].startswith(
                f"round {round_},"
            )
