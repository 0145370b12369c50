"""Old ids of renamed records (aliases): what each now names, and references by them
followed to the record it is now. `api.services.aliases` makes them, when seeds rename a record."""

from api.models import Alias
from api.store.rows import select_in


def target(kind: str, record_id: str) -> str | None:
    """The id a record now has, where `record_id` is one of its aliases."""
    found = Alias.get_or_none((Alias.kind == kind) & (Alias.id == record_id))
    return found.target if found else None


def of(kind: str, ids) -> dict[str, list[str]]:
    """The aliases of these records, by the record's id."""
    found: dict[str, list[str]] = {}
    query = Alias.select().where((Alias.kind == kind) & Alias.target.in_(list(ids)))
    for alias in query.order_by(Alias.target, Alias.id):
        found.setdefault(alias.target, []).append(alias.id)
    return found


def follow(meetings: list[dict], references) -> None:
    """Points every reference these meetings make by an old id (an alias) at the record's id
    now: a participant's person, a source, a related meeting. A write that named a record by
    id before the record was renamed keeps working. `references` (a
    `shared_records.References` gathered from these meetings) is brought in step, the people
    and sources it holds whole among them."""
    wanted = references.person_ids | references.source_ids | references.related_ids
    if not wanted or not Alias.select().exists():
        return
    renamed = {
        (kind, old): new
        for kind, old, new in select_in(Alias.id, wanted, Alias.kind, Alias.id, Alias.target)
    }
    if not renamed:
        return

    def now(kind: str, record_id: str) -> str:
        return renamed.get((kind, record_id), record_id)

    for meeting in meetings:
        for participant in meeting["participants"]:
            participant["person"] = now("person", participant["person"])
        meeting["sources"] = [now("source", source) for source in meeting["sources"]]
        for link in meeting["related"]:
            link["id"] = now("meeting", link["id"])
    # A person or source given whole under its old id is the record it is now, given whole:
    # checked against it as any other (never a new record taking the old id again).
    for kind, given in (("person", references.people), ("source", references.sources)):
        for old in [i for i in given if (kind, i) in renamed]:
            new = renamed[(kind, old)]
            ways = given.pop(old)
            given.setdefault(new, []).extend((m, {**record, "id": new}) for m, record in ways)
    references.person_ids = {now("person", i) for i in references.person_ids}
    references.source_ids = {now("source", i) for i in references.source_ids}
    references.related_ids = {now("meeting", i) for i in references.related_ids}
