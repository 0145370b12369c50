"""The production topology, run for real on loopback: PostgreSQL, Redis, two `meetings serve`
instances, and HAProxy in front with the README's configuration (docs/ops/haproxy.cfg).

Each test is one scene, in order, bounded in requests and time; each prints its figures (run
with `-s` to see them): requests sent, by status, and the longest gap a client saw."""

import collections
import itertools
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import requests
from conftest import ROOT, new_meeting
from pgcluster import Cluster, server_bindir
from processes import free_port, meetings_command

pytestmark = pytest.mark.e2e

TOOLS = ("haproxy", "redis-server")
WRITE_LIMIT = 25  # a minute, per key: small enough to spend in a test


def _missing() -> list[str]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    return missing + ([] if server_bindir() else ["postgresql"])


if _missing() and not os.environ.get("CI"):
    pytest.skip(f"needs {', '.join(_missing())} (.ci/run installs them)", allow_module_level=True)


def wait_until(check, seconds: float, pause: float = 0.1) -> float | None:
    """Seconds until `check()` held, or None when it never did within `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        try:
            if check():
                return time.monotonic() - start
        except (requests.RequestException, OSError):
            pass
        time.sleep(pause)
    return None


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class Instance:
    """One `meetings serve`, which can be stopped and started again on its port."""

    def __init__(self, name: str, env: dict, folder: Path):
        self.name, self.env, self.folder = name, env, folder
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log = None

    def start(self) -> None:
        self.log = (self.folder / f"{self.name}.log").open("a")
        command = [*meetings_command(), "serve", "--port", str(self.port), "--workers", "1"]
        self.process = subprocess.Popen(command, env=self.env, stdout=self.log, stderr=self.log)
        ready = wait_until(lambda: requests.get(f"{self.base}/readyz", timeout=2).ok, 60)
        assert ready is not None, (self.folder / f"{self.name}.log").read_text()[-3000:]

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=60)
        if self.log:
            self.log.close()

    def served(self) -> int:
        """Requests its access log shows."""
        return (self.folder / f"{self.name}.log").read_text().count('"logger": "meetings.access"')


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    folder = tmp_path_factory.mktemp("topology")
    cluster = Cluster()
    redis_port, lb_port = free_port(), free_port()
    redis_log = (folder / "redis.log").open("w")
    redis = subprocess.Popen(
        ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        stdout=redis_log,
        stderr=redis_log,
    )
    env = {
        **os.environ,
        "DATABASE_URL": cluster.create_database("topology"),
        "MEETINGS_RATELIMIT_STORAGE": f"redis://127.0.0.1:{redis_port}",
        "MEETINGS_WRITE_RATE_LIMIT": f"{WRITE_LIMIT} per minute",
        "MEETINGS_READ_RATE_LIMIT": "100000 per minute",
    }
    env.pop("MEETINGS_PUBLIC_URL", None)
    instances = [Instance(name, env, folder) for name in ("a", "b")]
    haproxy = None
    try:
        assert wait_until(lambda: listening(redis_port), 20) is not None
        for instance in instances:
            instance.start()
        haproxy_env = {
            **os.environ,
            "MEETINGS_LB": f"127.0.0.1:{lb_port}",
            "MEETINGS_API_A": f"127.0.0.1:{instances[0].port}",
            "MEETINGS_API_B": f"127.0.0.1:{instances[1].port}",
            "MEETINGS_OPS": str(ROOT / "docs" / "ops"),
        }
        haproxy_log = (folder / "haproxy.log").open("w")
        haproxy = subprocess.Popen(
            ["haproxy", "-db", "-f", str(ROOT / "docs" / "ops" / "haproxy.cfg")],
            env=haproxy_env,
            stdout=haproxy_log,
            stderr=haproxy_log,
        )
        lb = f"http://127.0.0.1:{lb_port}"
        assert wait_until(lambda: requests.get(f"{lb}/readyz", timeout=2).ok, 30) is not None
        yield {
            "lb": lb,
            "a": instances[0],
            "b": instances[1],
            "cluster": cluster,
            "redis": redis,
            "env": env,
            "folder": folder,
        }
    finally:
        if haproxy:
            haproxy.terminate()
            haproxy.wait(timeout=30)
            haproxy_log.close()
        for instance in instances:
            instance.stop()
        if redis.poll() is None:
            redis.terminate()
            redis.wait(timeout=30)
        redis_log.close()
        cluster.destroy()


def key(topology) -> dict:
    made = subprocess.run(
        [*meetings_command(), "keys", "create", f"k-{uuid.uuid4().hex[:8]}"],
        env=topology["env"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return {"Authorization": f"Bearer {made.stdout.strip()}"}


def create(base: str, auth: dict, meeting_id: str):
    body = new_meeting(id=meeting_id, participants=[])
    return requests.post(f"{base}/v1/meetings", json=body, headers=auth, timeout=15)


def report(scene: str, statuses: collections.Counter, **figures) -> None:
    shown = ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
    extra = "".join(f", {name} {value}" for name, value in figures.items())
    print(f"\n[topology] {scene}: {sum(statuses.values())} requests ({shown}){extra}")


def test_a_write_through_one_instance_reads_back_through_the_other(topology):
    auth = key(topology)
    made = create(topology["a"].base, auth, "written-on-a")
    assert made.status_code == 201
    read = requests.get(f"{topology['b'].base}/v1/meetings/written-on-a", timeout=15)
    assert read.status_code == 200 and read.headers["ETag"] == made.headers["ETag"]


def test_the_write_limit_is_shared_through_redis(topology):
    auth = key(topology)
    statuses, refused = collections.Counter(), []
    for i in range(WRITE_LIMIT + 6):
        instance = topology["a" if i % 2 else "b"]
        response = create(instance.base, auth, f"limited-{i}")
        statuses[response.status_code] += 1
        if response.status_code == 429:
            refused.append(response)
    report("shared write limit", statuses)
    assert statuses == {201: WRITE_LIMIT, 429: 6}
    assert all(int(r.headers["Retry-After"]) > 0 for r in refused)


class Load:
    """Clients sending requests until stopped: what each got, and when the last success was."""

    def __init__(self, send, threads: int):
        self.send, self.stopped = send, threading.Event()
        self.statuses, self.failures, self.lock = collections.Counter(), [], threading.Lock()
        self.successes: list[float] = []
        self.answers: list = []
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]

    def _run(self, number: int) -> None:
        count = 0
        while not self.stopped.is_set() and count < 2000:
            count += 1
            started = time.monotonic()
            try:
                response, note = self.send(number, count)
            except requests.RequestException as exc:
                with self.lock:
                    self.failures.append(repr(exc))
                continue
            with self.lock:
                self.statuses[response.status_code] += 1
                self.answers.append((response, note, time.monotonic() - started))
                if response.status_code < 300:
                    self.successes.append(time.monotonic())
            time.sleep(0.02)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def longest_gap(self) -> float:
        times = sorted(self.successes)
        return max((b - a for a, b in itertools.pairwise(times)), default=0.0)


def test_an_instance_stopped_under_load_drops_no_request(topology):
    lb, a = topology["lb"], topology["a"]

    def read(number, count):
        path = "/v1/meetings?limit=5" if count % 2 else "/v1/meetings/written-on-a"
        return requests.get(f"{lb}{path}", timeout=15), None

    with Load(read, threads=4) as load:
        time.sleep(1.5)
        a.stop(signal.SIGTERM)  # its requests in flight finish; the balancer takes it out
        time.sleep(1.5)
        before = a.served()
        a.start()
        # It comes back and takes traffic again, once two health checks pass.
        taken = wait_until(lambda: a.served() > before + 5, 20)
    report("instance a stopped and started", load.statuses, failures=len(load.failures))
    assert load.failures == [] and set(load.statuses) == {200}
    assert taken is not None


def test_postgresql_restarted_under_load_loses_no_acknowledged_write(topology):
    lb, cluster = topology["lb"], topology["cluster"]
    auth = key(topology)

    def send(number, count):
        if number == 0:  # the writer, well under its key's limit
            time.sleep(0.5)
            meeting_id = f"restart-{count}"
            return create(lb, auth, meeting_id), meeting_id
        return requests.get(f"{lb}/v1/meetings?limit=5", timeout=15), None

    with Load(send, threads=3) as load:
        time.sleep(1.5)
        cluster.stop()
        down = time.monotonic()
        not_ready = wait_until(
            lambda: requests.get(f"{topology['a'].base}/readyz", timeout=5).status_code == 503, 10
        )
        time.sleep(max(0.0, 3 - (time.monotonic() - down)))
        cluster.start()
        back = {
            name: wait_until(
                lambda name=name: requests.get(f"{topology[name].base}/readyz", timeout=5).ok, 30
            )
            for name in ("a", "b")
        }
        time.sleep(2)
    gap = load.longest_gap()
    slowest = max(seconds for _, _, seconds in load.answers)
    report(
        "PostgreSQL restarted",
        load.statuses,
        failures=len(load.failures),
        longest_gap=f"{gap:.2f} s",
        slowest=f"{slowest:.2f} s",
        ready_again={k: f"{v:.2f} s" for k, v in back.items() if v is not None},
    )
    assert not_ready is not None  # /readyz said not ready during the outage
    assert all(v is not None and v < 10 for v in back.values())  # back within seconds
    assert load.failures == []  # no reset, no hang past the timeout
    assert set(load.statuses) <= {200, 201, 503} and 503 in load.statuses
    unavailable = [r for r, _, _ in load.answers if r.status_code == 503]
    assert all(r.headers["Content-Type"] == "application/problem+json" for r in unavailable)
    assert all(int(r.headers["Retry-After"]) > 0 for r in unavailable)
    acknowledged = [note for r, note, _ in load.answers if r.status_code == 201]
    assert acknowledged
    with psycopg2.connect(topology["env"]["DATABASE_URL"]) as connection:
        with connection.cursor() as cursor:
            cursor.execute('SELECT "id" FROM "meeting" WHERE "id" LIKE %s', ("restart-%",))
            stored = {row[0] for row in cursor.fetchall()}
            cursor.execute(
                'SELECT "meeting_id" FROM "change" WHERE "op" = %s AND "meeting_id" LIKE %s',
                ("created", "restart-%"),
            )
            logged = {row[0] for row in cursor.fetchall()}
    assert set(acknowledged) <= stored and set(acknowledged) <= logged


def test_redis_stopped_fails_open(topology):
    topology["redis"].terminate()
    topology["redis"].wait(timeout=30)
    auth = key(topology)
    statuses = collections.Counter()
    for _ in range(20):
        statuses[requests.get(f"{topology['lb']}/v1/meetings?limit=2", timeout=15).status_code] += 1
    for i in range(2):
        statuses[create(topology["lb"], auth, f"without-redis-{i}").status_code] += 1
    report("Redis stopped", statuses)
    # The limits cannot be counted: requests go through, unlimited, rather than fail.
    assert statuses == {200: 20, 201: 2}
