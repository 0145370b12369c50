"""The database a benchmark measures, holding N synthetic meetings put in by `meetings import`:
SQLite in a folder (built once per N and kept), or PostgreSQL, either a database given by URL
(filled up to N) or a throwaway cluster started for the run and removed after it."""

import json
import os
import shutil
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

from tests.pgcluster import Cluster
from tests.processes import meetings_command
from tests.synthetic import write_ndjson

IMPORT_FILE_SIZE = 50_000  # meetings per import file: one transaction each
# A throwaway cluster configured as production would be on this machine: durable, with a
# buffer cache and WAL sized for a database of millions of meetings.
PRODUCTION_SETTINGS = {
    "shared_buffers": "2GB",
    "effective_cache_size": "12GB",
    "maintenance_work_mem": "512MB",
    "work_mem": "16MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "15min",
}


def _import(n: int, first: int, env: dict, folder: Path) -> float:
    """Seconds `meetings import` took to put in meetings `first` to `n`, a file at a time."""
    seconds = 0.0
    for start in range(first, n, IMPORT_FILE_SIZE):
        part = folder / "part.ndjson"
        write_ndjson(part, min(IMPORT_FILE_SIZE, n - start), seed=1, first=start)
        began = time.perf_counter()
        command = [*meetings_command(), "import", str(part)]
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        seconds += time.perf_counter() - began
        part.unlink()
    return seconds


def _built(n: int, imported: int, seconds: float) -> dict:
    return {
        "n": n,
        "imported": imported,
        "import_seconds": round(seconds, 2),
        "import_rate": round(imported / seconds) if imported else None,
    }


def build(n: int, folder: Path) -> dict:
    """The SQLite database of n meetings in `folder`, made once per n."""
    stamp = folder / "built.json"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{folder / 'meetings.db'}"}
    migrate = [*meetings_command(), "migrate"]
    if stamp.exists():
        # Kept from an earlier run: brought up to the schema this checkout serves.
        subprocess.run(migrate, env=env, check=True, stdout=subprocess.DEVNULL)
        return json.loads(stamp.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run(migrate, env=env, check=True, stdout=subprocess.DEVNULL)
    built = _built(n, n, _import(n, 0, env, folder))
    stamp.write_text(json.dumps(built))
    return built


def fill(n: int, url: str, folder: Path) -> dict:
    """The PostgreSQL database at `url`, migrated and filled up to n meetings."""
    env = {**os.environ, "DATABASE_URL": url}
    subprocess.run([*meetings_command(), "migrate"], env=env, check=True, capture_output=True)
    from api import db
    from api.models import Meeting

    db.bind(url)
    with db.db.connection_context():
        have = Meeting.select().count()
    db.db.close()
    folder.mkdir(parents=True, exist_ok=True)
    return _built(n, max(0, n - have), _import(n, have, env, folder))


@contextmanager
def database(kind: str, n: int, data: Path, url: str | None = None):
    """(URL, how it was built) of the database of n meetings a run measures: the PostgreSQL
    database at `url` where one is given; else by `kind`, SQLite or a throwaway PostgreSQL
    cluster."""
    if url is not None:
        yield url, fill(n, url, data / "postgresql")
        return
    if kind == "sqlite":
        folder = data / f"n{n}"
        yield f"sqlite:///{folder / 'meetings.db'}", build(n, folder)
        return
    cluster = Cluster(PRODUCTION_SETTINGS)
    try:
        url = cluster.create_database(f"bench_n{n}")
        yield url, fill(n, url, data / "postgresql")
    finally:
        cluster.destroy()
