"""Every meeting at once: the text `meetings export` writes, and a Frictionless Data Package of
it (NDJSON and CSV, each with its size and SHA-256), made by the command or served at
`/v1/dumps/latest` for the current state of the data."""

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from api.http.formats import CSV_COLUMNS, batches, csv_lines, stored
from api.models import Change, Meeting
from api.store.portable import portable_documents

BY_ID = [(Meeting.id, False)]
LICENCE = {"name": "MIT", "path": "https://opensource.org/licenses/MIT", "title": "MIT License"}
RESOURCES = {
    # name: (file, format, media type, what it holds)
    "meetings": (
        "meetings.ndjson",
        "ndjson",
        "application/x-ndjson",
        "Every meeting as `meetings import` reads it back, one JSON record a line, by id.",
    ),
    "meetings-table": (
        "meetings.csv",
        "csv",
        "text/csv",
        "Every meeting as one flat row, by id (lists as JSON text in their cells).",
    ),
}


def export_lines(fmt: str):
    """Every meeting, by id, as text chunks to write out (`ndjson`, `json` or `csv`)."""
    if fmt == "csv":
        yield from csv_lines(batches(Meeting.select(), stored, BY_ID))
        return
    documents = batches(Meeting.select(), portable_documents, BY_ID)
    if fmt == "ndjson":
        for document in documents:
            yield json.dumps(document, ensure_ascii=False) + "\n"
        return
    yield "["
    for i, document in enumerate(documents):
        yield ("," if i else "") + "\n" + json.dumps(document, ensure_ascii=False)
    yield "\n]\n"


def write_package(folder: Path, version: int) -> dict:
    """Writes the package into `folder` (made if missing): each resource's file, then
    `datapackage.json` naming each with its bytes and SHA-256. Returns the descriptor."""
    folder.mkdir(parents=True, exist_ok=True)
    resources = []
    for name, (path, fmt, media, description) in RESOURCES.items():
        digest, size = hashlib.sha256(), 0
        with (folder / path).open("wb") as out:
            for chunk in export_lines(fmt):
                data = chunk.encode()
                digest.update(data)
                size += len(data)
                out.write(data)
        resource = {
            "name": name,
            "path": path,
            "format": fmt,
            "mediatype": media,
            "encoding": "utf-8",
            "description": description,
            "bytes": size,
            "hash": f"sha256:{digest.hexdigest()}",
        }
        if fmt == "csv":
            resource["schema"] = {"fields": [{"name": c, "type": "string"} for c in CSV_COLUMNS]}
        resources.append(resource)
    descriptor = {
        "profile": "data-package",
        "name": "meeting-records",
        "title": "Meeting Records: structured records of diplomatic meetings",
        "description": "Summits, foreign ministers' talks and phone calls mapped by hand from "
        "news articles; each fact carries its evidence. The articles themselves are not "
        "included: each source names its article and the SHA-256 of its text.",
        "version": str(version),
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "licenses": [LICENCE],
        "sources": [{"title": "News articles, each named by the records' `sources`"}],
        "resources": resources,
    }
    (folder / "datapackage.json").write_text(json.dumps(descriptor, indent=2) + "\n")
    return descriptor


def state() -> str:
    """The state of the data a dump is of: the change log's last seq, and a digest of that
    change, so that a database restored to an earlier seq and written again is not mistaken
    for the one it was."""
    last = Change.select().order_by(Change.seq.desc()).first()
    if last is None:
        return "0"
    mark = f"{last.seq} {last.meeting_id} {last.op} {last.revision} {last.at}"
    return f"{last.seq}-{hashlib.sha256(mark.encode()).hexdigest()[:12]}"


def latest(root: Path, key: str) -> Path:
    """The folder of the package of the data in state `key` (`state()`) under `root`,
    written once: by the first request that asks for it, into a folder of its own that takes
    the final name only when whole; older states' folders are removed."""
    version = int(key.partition("-")[0])
    done = root / f"v{key}"
    if (done / "datapackage.json").exists():
        return done
    root.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".v{key}.", dir=root))
    try:
        write_package(building, version)
        os.replace(building, done)
    except OSError:
        # Another worker finished the same version first: its package stands.
        shutil.rmtree(building, ignore_errors=True)
        if not (done / "datapackage.json").exists():
            raise
    for old in root.glob("v*"):
        if old != done:
            shutil.rmtree(old, ignore_errors=True)
    return done
