"""A person's or source's own writes through the API: PUT and PATCH at its URL.

They are the records' own writes (`shared_records.Policy.OWN`), as seed files are: the record
changes, its revision goes up, the meetings that show it get new revisions too, and all of
them reach the change log. What a GET shows and the server keeps (the revision, the instants,
the meetings) may be sent back unchanged; so may a source's `seed_file` and `sha256`, which
belong to its seeded article and are never written through the API. Any other value of those
is a 422.
"""

from flask_smorest import abort
from marshmallow import Schema, ValidationError
from peewee import PostgresqlDatabase

from api.common.merge_patch import merge_patch
from api.db import db
from api.http.errors import not_found
from api.http.writes import check_if_match
from api.models import Meeting, MeetingSource, Participant, Person, Source
from api.store import changelog
from api.store.references import save_shown
from api.store.shared_records import KINDS, Policy
from schemas.fields import could_be_id
from schemas.source import ARTICLE_FIELDS

# What a GET of a person or source shows that the server keeps.
SENT_BACK = ("meeting_count", "meetings", "aliases", "created_at", "updated_at", "revision")


def locked(model):
    """The `write` target of a person's or source's URL: the record, locked for the write's
    transaction (404 when there is none), at the version `If-Match` names (428, 412)."""
    kind = KINDS[model]

    def target(**kwargs):
        record_id = kwargs[f"{kind}_id"]
        if not could_be_id(record_id):
            not_found(kind, record_id)
        query = model.select().where(model.id == record_id)
        if isinstance(db.obj, PostgresqlDatabase):  # SQLite writers hold its one write lock
            _lock_showing(model, record_id)
            query = query.for_update("FOR NO KEY UPDATE")
        record = query.first() or not_found(kind, record_id)
        check_if_match(record)
        return record

    return target


def _lock_showing(model, record_id: str) -> None:
    """Locks the meetings that show the record, whose revisions the write bumps, before the
    record itself: a meeting's write locks the meeting first, then (sharing) the people and
    sources it shows, so both take their locks in one order and neither waits on the other
    in a circle. A meeting write waiting here then reads the record as changed."""
    shown_by = Participant.person if model is Person else MeetingSource.source
    showing = shown_by.model.select(shown_by.model.meeting).where(shown_by == record_id)
    locking = Meeting.select(Meeting.id).where(Meeting.id.in_(showing)).order_by(Meeting.id)
    list(locking.for_update("FOR NO KEY UPDATE"))


def _kept(model) -> tuple[str, ...]:
    """What a GET of the record shows and no write may change."""
    return SENT_BACK + (ARTICLE_FIELDS if model is Source else ())


def patched(model, schema: Schema, shown: dict, patch: dict) -> dict:
    """The record a merge patch makes of `shown` (as a GET shows it), loaded by its PUT schema:
    invalid, a 422 naming the fields. A field no write may change that the patch removes is
    kept as null, and so refused as any other value of it is."""
    merged = merge_patch(shown, patch)
    merged.update({name: None for name in _kept(model) if name in patch and patch[name] is None})
    try:
        return schema.load(merged)
    except ValidationError as exc:
        abort(
            422,
            message="The patched record is not valid: " + ", ".join(map(str, exc.messages)) + ".",
            errors=exc.messages,
        )


def replace(model, record_id: str, data: dict, shown: dict) -> None:
    """Stores `data` (loaded by the model's PUT schema) as the record at `record_id`, which a
    GET shows as `shown`; what the server keeps may be sent back only as it is shown."""
    if data.get("id", record_id) != record_id:
        abort(
            422,
            message="The body's id differs from the URL's.",
            errors={"id": ["Must equal the id in the URL (ids never change)."]},
        )
    kept = _kept(model)
    wrong = sorted(name for name in kept if name in data and data[name] != shown[name])
    if wrong:
        why = (
            "a source's seed_file and sha256 belong to its seeded article"
            if set(wrong) & set(ARTICLE_FIELDS)
            else "the server keeps them"
        )
        abort(
            422,
            message=f"Cannot write {', '.join(wrong)}: {why}. Send them as a GET shows them, "
            "or leave them out.",
            errors={
                name: ["Differs from the stored value, and cannot be written."] for name in wrong
            },
        )
    record = {name: value for name, value in data.items() if name not in kept}
    given = {record_id: [(None, {**record, "id": record_id})]}
    changes: list[dict] = []
    save_shown(model, given, set(), Policy.OWN, set(), changes)
    changelog.append(changes)
