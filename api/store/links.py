"""The link graph between meetings: each link stated once, its inverse derived, no contradictions.

A link is stored on the record that states it; the other record shows its inverse (`previous`
and `follow_up`, `parent` and `child`, `same_occasion` both ways). A write may send back a
link that another record's link already shows (a GET's `child`, say): that one is dropped,
not stored twice. A link that contradicts one the other record states, a `child` that no
`parent` backs, or a chain of parents that comes back to where it started is a 422.
"""

from collections.abc import Collection
from graphlib import CycleError, TopologicalSorter

from api.models import Relation
from api.store.rows import select_in
from schemas.meeting import INVERSE_RELATIONS

# What a record shows of a link stated on the other side, `child` included.
SHOWN_INVERSE = {**INVERSE_RELATIONS, "child": "parent"}


class LinkConflict(ValueError):
    """A write whose links cannot stand together; `meeting_id` is the record that states one."""

    def __init__(self, meeting_id: str, message: str):
        super().__init__(message)
        self.meeting_id = meeting_id


def settle(meetings: list[dict], stored: Collection[str]) -> None:
    """Drops from each meeting's `related` what another record's link shows already, and
    raises LinkConflict where the links cannot stand together (checked against every link
    stored, but those of these meetings, which they replace). `stored` are the ids of these
    meetings that are stored already: only those can be linked from other records."""
    if not any(m["related"] for m in meetings):
        return  # links stated elsewhere stand as they are: these meetings add none to check
    batch = {m["id"] for m in meetings}
    stated = {
        (mid, other): relation
        for mid, other, relation in select_in(
            Relation.other, stored, Relation.meeting, Relation.other, Relation.relation
        )
        if mid not in batch
    }
    stated.update({(m["id"], r["id"]): r["relation"] for m in meetings for r in m["related"]})
    for meeting in meetings:
        mid, kept = meeting["id"], []
        for link in meeting["related"]:
            other, relation = link["id"], link["relation"]
            theirs = stated.get((other, mid))
            if theirs is not None and relation == SHOWN_INVERSE[theirs]:
                del stated[(mid, other)]  # the other record's link shows it
                continue
            if theirs is not None:
                raise LinkConflict(
                    mid,
                    f"{mid!r} states {relation!r} of {other!r}, but {other!r} states "
                    f"{theirs!r} of {mid!r}, which shows here as {SHOWN_INVERSE[theirs]!r}: "
                    "a pair of meetings has one link, stated on one of them.",
                )
            if relation == "child":
                raise LinkConflict(
                    mid,
                    f"{mid!r} names {other!r} as its child, but {other!r} does not name "
                    f"{mid!r} as its parent: a `child` link is shown, not stated; state "
                    "`parent` on the child.",
                )
            kept.append(link)
        meeting["related"] = kept
    _refuse_parent_cycles(meetings, batch)


def _refuse_parent_cycles(meetings: list[dict], batch: set[str]) -> None:
    """A meeting can't be its own ancestor: follows every parent link up from these meetings
    (theirs as given, the others' as stored) and raises LinkConflict on a cycle."""
    parents: dict[str, list[str]] = {
        m["id"]: [r["id"] for r in m["related"] if r["relation"] == "parent"] for m in meetings
    }
    frontier = {p for ps in parents.values() for p in ps} - parents.keys()
    while frontier:
        for node in frontier:
            parents[node] = []
        for child, parent, relation in select_in(
            Relation.meeting, frontier, Relation.meeting, Relation.other, Relation.relation
        ):
            if relation == "parent":
                parents[child].append(parent)
        frontier = {p for node in frontier for p in parents[node]} - parents.keys()
    _find_cycle(parents, batch)


def _find_cycle(parents: dict[str, list[str]], batch: set[str]) -> None:
    """Raises LinkConflict naming the links of a parent cycle in `parents`, if there is one."""
    try:
        TopologicalSorter(parents).prepare()
    except CycleError as exc:
        # Each node of the cycle is a parent (a predecessor) of the next.
        cycle = exc.args[1]
        pairs = list(zip(cycle[1:], cycle, strict=False))
        links = ", ".join(f"{child!r} parent {parent!r}" for child, parent in pairs)
        culprit = next((child for child, _ in pairs if child in batch), cycle[0])
        raise LinkConflict(
            culprit, f"These parent links make a cycle, a meeting its own ancestor: {links}."
        ) from None
