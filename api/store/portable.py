"""Meetings as a client writes them: what export writes, and what import, PATCH and the
search text read back. Below both the reads and the writes."""

from collections import defaultdict

from api.models import Meeting, Person, Relation, Source
from api.store.documents import render


def meeting_documents(meetings: list[Meeting]) -> list[dict]:
    """Full documents for these meetings, rendered afresh (see api.store.documents)."""
    rendered = render([m.id for m in meetings])
    return [rendered[m.id] for m in meetings]


def portable_documents(meetings: list[Meeting]) -> list[dict]:
    """Meetings as a client writes them, people and sources in full: what export writes, what
    import and PATCH read back. Derived data (inverse links, positions, server fields) is left
    out, so that writing a record back unchanged changes nothing."""
    documents = meeting_documents(meetings)
    ids = [m.id for m in meetings]
    people_ids = {p["person"]["id"] for d in documents for p in d["participants"]}
    people = {p.id: p for p in Person.select().where(Person.id.in_(list(people_ids)))}
    source_ids = {s["id"] for d in documents for s in d["sources"]}
    sources = {s.id: s for s in Source.select().where(Source.id.in_(list(source_ids)))}
    stated = defaultdict(list)
    for link in Relation.select().where(Relation.meeting.in_(ids)).order_by(Relation.position):
        stated[link.meeting_id].append({"id": link.other_id, "relation": link.relation})
    person_fields = ("id", "name", "given_name", "family_name", "sort_name", "name_order")
    person_fields += ("country",)
    source_fields = ("id", "publisher", "title", "kind", "url", "published_at", "seed_file")
    source_fields += ("sha256", "rights")
    # Aliases are the server's; a record with no evidence is written without any.
    server_owned = ("created_at", "updated_at", "revision", "starts_at", "aliases")
    return [
        {
            **{k: v for k, v in d.items() if k not in server_owned and (k != "evidence" or v)},
            "parties": [p["country"] for p in d["parties"]],
            "participants": [
                {**p, "person": {f: getattr(people[p["person"]["id"]], f) for f in person_fields}}
                for p in d["participants"]
            ],
            "agreed_points": [
                {k: v for k, v in p.items() if k != "position"} for p in d["agreed_points"]
            ],
            "discussed": [{k: v for k, v in p.items() if k != "position"} for p in d["discussed"]],
            "sources": [
                {f: getattr(sources[s["id"]], f) for f in source_fields} for s in d["sources"]
            ],
            "related": stated[d["id"]],
        }
        for d in documents
    ]
