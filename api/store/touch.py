"""Meetings that show a changed record (a person, a source, a linked meeting) get a new
revision, a change in the log and their documents rendered again."""

from peewee import chunked

from api.models import Meeting, utcnow
from api.store import documents, meeting_rows
from api.store.portable import portable_documents
from api.store.rows import CHUNK, select_in


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
        for meeting_id, text in stored_search_texts(ids).items():
            Meeting.update(search_text=text).where(Meeting.id == meeting_id).execute()
    documents.refresh(ids)


def stored_search_texts(ids: list[str]) -> dict[str, str]:
    """Search text rebuilt from what is stored, for meetings whose participants were renamed."""
    meetings = list(Meeting.select().where(Meeting.id.in_(ids)))
    texts = {}
    for document in portable_documents(meetings):
        names = {p["person"]["id"]: p["person"]["name"] for p in document["participants"]}
        document["participants"] = [
            {**p, "person": p["person"]["id"]} for p in document["participants"]
        ]
        texts[document["id"]] = meeting_rows.search_text(document, names)
    return texts
