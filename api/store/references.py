"""What meetings refer to: the people and sources given whole, stored first as the write's
policy allows, and every person, source and related meeting named, checked to exist."""

from api.models import Meeting, MeetingSource, Participant, Person, Source
from api.store.conflict import Conflict
from api.store.rows import select_in
from api.store.shared_records import Mismatch, Policy, References, settle
from api.store.touch import touch


def save_shown(
    model, given: dict, ids: set[str], policy: Policy, batch: set[str], changes: list[dict]
) -> set[str]:
    """Stores the people or sources `given` (by id: each way it was given, with its meeting) as
    `policy` allows, the others of `ids` locked meanwhile (`shared_records.settle`); returns
    the ids of those changed. Meetings that show a changed record get a new revision, except
    those of the batch being saved, which the caller stores (and bumps) once.
    """
    try:
        changed = settle(model, given, ids, policy, changes)
    except Mismatch as exc:
        raise Conflict(exc.meeting_id, exc.field, str(exc), exc.status) from None
    if changed:
        shown_by = Participant.person if model is Person else MeetingSource.source
        showing = {m for (m,) in select_in(shown_by, changed, shown_by.model.meeting)}
        touch(showing - batch, changes, refresh_search=True)  # names and source titles
    return changed


def save_references(references: References, batch: set[str], changes: list[dict]) -> set[str]:
    """People and sources given whole are stored first, as `references.policy` allows; the
    meetings refer to their ids. Returns the ids of the people and sources that changed.
    """
    people = save_shown(
        Person, references.people, references.person_ids, references.policy, batch, changes
    )
    sources = save_shown(
        Source, references.sources, references.source_ids, references.policy, batch, changes
    )
    return people | sources


def check_references(meetings: list[dict], references: References, batch: set[str]) -> None:
    """Every person, source and related meeting referred to exists."""
    wanted = {
        "person": references.person_ids,
        "source": references.source_ids,
        "related": references.related_ids - batch,
    }
    found = {
        key: {found for (found,) in select_in(model.id, wanted[key], model.id)}
        for key, model in (("person", Person), ("source", Source), ("related", Meeting))
    }
    if all(wanted[key] <= found[key] for key in wanted):
        return
    # Something is missing: name the first meeting that refers to it.
    for meeting in meetings:
        for key, field, values in (
            ("person", "participants", [p["person"] for p in meeting["participants"]]),
            ("source", "sources", meeting["sources"]),
            ("related", "related", [r["id"] for r in meeting["related"] if r["id"] not in batch]),
        ):
            missing = sorted(set(values) - found[key])
            if missing:
                raise Conflict(
                    meeting["id"],
                    field,
                    f"meeting {meeting['id']!r} refers to unknown {key} id(s): "
                    + ", ".join(missing),
                )
