"""Ids of new meetings: the one a create asks for, or one derived from the record, claimed
for the creating transaction."""

from peewee import PostgresqlDatabase

from api.db import db
from api.models import Alias, Meeting, Tombstone
from api.store.conflict import Conflict


def claim_meeting_id(meeting: dict) -> str:
    """The id a new meeting is created under, held for this transaction: its own `id` (a 409
    Conflict when a meeting has it or had it), or one derived from it (`new_meeting_id`).

    On PostgreSQL a transaction-level advisory lock on the id makes concurrent creates of one
    id queue: each checks the id only once it holds the lock, so it sees the commit of any
    create that held it before, and exactly one of them creates the record. A derived id that
    a concurrent create took meanwhile is passed over for the next free one. SQLite has one
    writer at a time.
    """
    wanted = meeting.get("id")
    while True:
        candidate = wanted or new_meeting_id(meeting)
        if isinstance(db.obj, PostgresqlDatabase):
            db.obj.execute_sql(
                "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (ID_LOCKS, candidate)
            )
        if not _taken(candidate):
            return candidate
        if wanted:
            deleted = Tombstone.select().where(Tombstone.id == wanted).exists()
            raise Conflict(
                wanted,
                "id",
                f"Meeting id {wanted!r} belonged to a deleted meeting; ids are never reused."
                if deleted
                else f"Meeting {wanted!r} exists already: choose another id, or PUT to update it.",
                status=409,
            )


# pg_advisory_xact_lock's first key for the locks on meeting ids (the second: the id's hash).
ID_LOCKS = 1


def _taken(meeting_id: str) -> bool:
    return (
        Meeting.select().where(Meeting.id == meeting_id).exists()
        or Tombstone.select().where(Tombstone.id == meeting_id).exists()
        # A renamed meeting's old id, which answers with a redirect (api.services.aliases).
        or Alias.select().where((Alias.kind == "meeting") & (Alias.id == meeting_id)).exists()
    )


def new_meeting_id(meeting: dict) -> str:
    """A free slug from date, parties and type: `2024-09-06-jp-kr-summit`, then `-2`, `-3`..."""
    base = "-".join(
        [
            meeting["date"].text,
            *(c.lower() for c in meeting["parties"][:4]),
            meeting["type"].replace("_", "-"),
        ]
    )[:90]
    taken = {m.id for m in Meeting.select(Meeting.id).where(Meeting.id.startswith(base))}
    taken |= {t.id for t in Tombstone.select(Tombstone.id).where(Tombstone.id.startswith(base))}
    renamed = (Alias.kind == "meeting") & Alias.id.startswith(base)
    taken |= {a.id for a in Alias.select(Alias.id).where(renamed)}
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate
