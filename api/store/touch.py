"""Meetings that show a changed record (a person, a source, a linked meeting) get a new
revision, a change in the log and their documents rendered again."""

from marshmallow import ValidationError
from peewee import chunked

from api.models import Meeting, utcnow
from api.store import documents, meeting_rows
from api.store.portable import portable_documents
from api.store.rows import CHUNK, select_in
from api.store.shared_records import References
from schemas.fields import PartialDate
from schemas.meeting import MeetingIn


def touch(meeting_ids, changes: list[dict], refresh_search: bool = False) -> None:
    """Bump meetings whose representation changed through a record they show; their changes
    join `changes`, for the change log."""
    now = utcnow()
    ids = [mid for (mid,) in select_in(Meeting.id, meeting_ids, Meeting.id)]
    if not ids:
        return
    for chunk in chunked(ids, CHUNK):
        Meeting.update(revision=Meeting.revision + 1, updated_at=now).where(
            Meeting.id.in_(chunk)
        ).execute()
    changes += [
        {"meeting_id": mid, "op": "updated", "revision": revision, "at": now}
        for mid, revision in select_in(Meeting.id, ids, Meeting.id, Meeting.revision)
    ]
    if refresh_search:
        for meeting_id, columns in stored_search_columns(ids).items():
            Meeting.update(**columns).where(Meeting.id == meeting_id).execute()
    documents.refresh(ids)


def stored_search_columns(ids: list[str]) -> dict[str, dict]:
    """Search columns rebuilt from what is stored, for meetings whose people or sources
    changed."""
    meetings = list(Meeting.select().where(Meeting.id.in_(ids)))
    found = {}
    for document in portable_documents(meetings):
        names = {p["person"]["id"]: p["person"]["name"] for p in document["participants"]}
        document["participants"] = [
            {**p, "person": p["person"]["id"]} for p in document["participants"]
        ]
        sources = {
            s["id"]: " ".join(filter(None, (s.get("title"), s.get("publisher"))))
            for s in document["sources"]
        }
        document["sources"] = [s["id"] for s in document["sources"]]
        document["date"] = PartialDate.parse(document["date"])
        found[document["id"]] = meeting_rows.search_columns(document, names, sources)
    return found


def rehash(meeting_ids) -> None:
    """The content hash of meetings whose own record changed through another's (a meeting it
    links to deleted, a record it names renamed), worked out again from what they now show,
    as a write of it would: sending back what a GET shows then changes nothing."""
    meetings = list(Meeting.select().where(Meeting.id.in_(list(meeting_ids))))
    for document in portable_documents(meetings):
        try:
            record = MeetingIn().load(document)
        except ValidationError:  # stored under older rules: its next write hashes it
            continue
        References([record])  # people and sources by id, as writes hash them
        Meeting.update(content_hash=meeting_rows.digest(record)).where(
            Meeting.id == record["id"]
        ).execute()
