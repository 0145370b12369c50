"""Renamed records keep their old ids as aliases.

A seed file lists the ids a meeting, person or source had before (`aliases`). Loading it
moves whatever referred to an old id over to the new one, drops the old record, keeps the old
id in `alias`, and tells the change log (`op: renamed`, `renamed_to`). From then on a read of
the old id is a 308 to the record's URL, and a write to it a 409 naming the new id; records
list their aliases.
"""

from api.models import Alias, Meeting, MeetingSource, Participant, Person, Relation, Source, utcnow
from api.store import changelog, documents
from api.store.meetings import CHILDREN
from api.store.renames import target
from api.store.touch import rehash

MODELS = {"meeting": Meeting, "person": Person, "source": Source}
# Where a person or source is referred to from a meeting.
REFERENCES = {"person": Participant.person, "source": MeetingSource.source}


def _repoint(kind: str, old: str, new: str, changes: list[dict]) -> set[str]:
    """Moves what refers to person or source `old` over to `new`, copying `old` as `new`
    where there is no `new` yet (a change of its own), and drops `old`; returns the meetings
    that refer to it."""
    model, column = MODELS[kind], REFERENCES[kind]
    row = model.select().where(model.id == old).dicts().first()
    if row is None:
        return set()
    if not model.select().where(model.id == new).exists():
        model.insert({**row, "id": new}).execute()
        changes.append(
            {"meeting_id": new, "op": "created", "revision": row["revision"], "at": utcnow()}
            | {"type": kind, "renamed_to": None}
        )
    meetings = {
        m for (m,) in column.model.select(column.model.meeting).where(column == old).tuples()
    }
    if kind == "source":  # a meeting holding both keeps one row
        both = MeetingSource.select(MeetingSource.meeting).where(MeetingSource.source == new)
        MeetingSource.delete().where((column == old) & MeetingSource.meeting.in_(both)).execute()
    column.model.update({column: new}).where(column == old).execute()
    model.delete().where(model.id == old).execute()
    return meetings


def _drop_meeting(old: str, new: str) -> set[str]:
    """Moves the links to meeting `old` over to `new` and drops `old` (no tombstone: its id
    lives on as an alias); returns the meetings whose links changed."""
    if not Meeting.select().where(Meeting.id == old).exists():
        return set()
    linked = {r.meeting_id for r in Relation.select().where(Relation.other == old)}
    linked |= {r.other_id for r in Relation.select().where(Relation.meeting == old)}
    taken = Relation.select(Relation.meeting).where(Relation.other == new)
    Relation.delete().where((Relation.other == old) & Relation.meeting.in_(taken)).execute()
    Relation.update(other=new).where(Relation.other == old).execute()
    Relation.delete().where(Relation.meeting == old).execute()
    for model in CHILDREN:
        model.delete().where(model.meeting == old).execute()
    Meeting.delete().where(Meeting.id == old).execute()
    return linked - {old, new}


def renaming(renames: list[tuple[str, str, str]], save):
    """Runs `save()` (which stores the records under their new ids) with the renames
    `(kind, old, new)` applied around it, in the caller's transaction; returns what `save`
    returns."""
    renames = [(kind, old, new) for kind, old, new in renames if target(kind, old) != new]
    existed = {(kind, new) for kind, _, new in renames if _exists(kind, new)}
    touched, changes = set(), []
    for kind, old, new in renames:
        if kind != "meeting":
            touched |= _repoint(kind, old, new, changes)
    outcome = save()
    if isinstance(outcome, dict):  # what `save` stored is rendered and counted already
        touched -= {mid for mid, what in outcome.items() if what != "unchanged"}
    now, bumped = utcnow(), []
    for kind, old, new in renames:
        if kind == "meeting":
            touched |= _drop_meeting(old, new)
        Alias.delete().where((Alias.kind == kind) & (Alias.id == old)).execute()
        Alias.update(target=new).where((Alias.kind == kind) & (Alias.target == old)).execute()
        Alias.insert(kind=kind, id=old, target=new, created_at=now).execute()
        if (kind, new) in existed:
            bumped.append((kind, new))
        changes.append(
            {"meeting_id": old, "op": "renamed", "revision": 1, "at": now, "type": kind}
            | {"renamed_to": new}
        )
    touched |= {new for kind, new in bumped if kind == "meeting"}
    _bump(bumped, touched, now, changes)
    rehash(touched)
    # Meetings made under their new id by `save` show their aliases from the start.
    documents.refresh(
        new for kind, _, new in renames if kind == "meeting" and (kind, new) not in existed
    )
    changelog.append(changes)
    return outcome


def _exists(kind: str, record_id: str) -> bool:
    model = MODELS[kind]
    return model.select().where(model.id == record_id).exists()


def _bump(records, meetings, now, changes) -> None:
    """New revisions for records that now show other aliases or links, and their documents."""
    for kind, record_id in records:
        if kind == "meeting":
            continue
        model = MODELS[kind]
        model.update(revision=model.revision + 1, updated_at=now).where(
            model.id == record_id
        ).execute()
        revision = model.get_by_id(record_id).revision
        changes.append(
            {"meeting_id": record_id, "op": "updated", "revision": revision, "at": now}
            | {"type": kind, "renamed_to": None}
        )
    meetings = [m.id for m in Meeting.select(Meeting.id).where(Meeting.id.in_(list(meetings)))]
    if not meetings:
        return
    Meeting.update(revision=Meeting.revision + 1, updated_at=now).where(
        Meeting.id.in_(meetings)
    ).execute()
    for meeting in Meeting.select(Meeting.id, Meeting.revision).where(Meeting.id.in_(meetings)):
        changes.append(
            {"meeting_id": meeting.id, "op": "updated", "revision": meeting.revision, "at": now}
            | {"type": "meeting", "renamed_to": None}
        )
    documents.refresh(meetings)
