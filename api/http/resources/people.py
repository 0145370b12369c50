"""People who take part in meetings, with the title each held at each meeting."""

from flask.views import MethodView

from api.common.merge_patch import requested_patch
from api.http import tables
from api.http.blueprint import Blueprint
from api.http.errors import not_found
from api.http.formats import batches
from api.http.openapi import ETAG_HEADER, IF_MATCH, SECURED, merge_patch_body
from api.http.pagination import from_query, listing, paginate
from api.http.shared_writes import locked, patched, replace
from api.http.writes import etag, not_modified, write
from api.models import Meeting, Participant, Person
from api.queries.totals import counted, meeting_counts
from api.store.documents import instant
from api.store.renames import of as aliases_of
from schemas.common import PageArgs, envelope
from schemas.fields import CountryCode, could_be_id
from schemas.person import Person as PersonSchema
from schemas.person import PersonDetail, PersonReplace

blp = Blueprint(
    "people",
    __name__,
    url_prefix="/v1/people",
    description="People named in meetings, their names written as they write them.",
)


BY_ID = [(Person.id, False)]


class PeopleArgs(PageArgs):
    country = CountryCode(metadata={"description": "people serving this state"})


def document(person: Person, counts: dict, aliases: dict | None = None) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "family_name": person.family_name,
        "given_name": person.given_name,
        "sort_name": person.sort_name,
        "name_order": person.name_order,
        "aliases": (aliases or {}).get(person.id, []),
        "country": person.country,
        "meeting_count": counts.get(person.id, 0),
        "created_at": instant(person.created_at),
        "updated_at": instant(person.updated_at),
        "revision": person.revision,
    }


def documents(people: list[Person]) -> list[dict]:
    """People as a list shows them: with their meeting counts and aliases, in two queries."""
    counts = meeting_counts(Participant.person, [p.id for p in people])
    aliases = aliases_of("person", [p.id for p in people])
    return [document(p, counts, aliases) for p in people]


def detail(person: Person) -> dict:
    """A person as a GET shows them: with every meeting they took part in, newest first."""
    rows = (
        Participant.select(Participant, Meeting)
        .join(Meeting)
        .where(Participant.person == person.id)
        .order_by(Meeting.date_first.desc(), Meeting.id)
    )
    meetings = [
        {
            "meeting": {
                "id": p.meeting.id,
                "title": p.meeting.title,
                "date": p.meeting.date,
                "date_precision": p.meeting.date_precision,
            },
            "title": p.title,
            "country": p.country,
            "side": p.side,
        }
        for p in rows
    ]
    shown = document(person, {person.id: len(meetings)}, aliases_of("person", [person.id]))
    return {**shown, "meetings": meetings}


def _saved(person_id: str):
    person = Person.get_by_id(person_id)
    return detail(person), {"ETag": etag(person.id, person.revision)}


@blp.route("")
class People(MethodView):
    @blp.arguments(PeopleArgs(), location="query", as_kwargs=True)
    @blp.response(200, envelope(PersonSchema, "PersonList"))
    @blp.alt_response(406, response="NOT_ACCEPTABLE")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.doc(**tables.formats("PersonList"))
    def get(self, limit, cursor=None, country=None):
        """List people

        By id; `country` keeps those serving one state. `Accept: text/csv` or
        `application/x-ndjson` streams every match in one response.
        """
        media = tables.wanted()
        query = Person.select()
        if country:
            query = query.where(Person.country == country)
        if media:
            return tables.table(media, batches(query, documents, BY_ID), PersonSchema())
        rows, links = paginate(
            from_query(query, BY_ID),
            key_of=lambda p: [p.id],
            limit=limit,
            cursor=cursor,
            sort="id",
            filters={"country": country},
        )
        total = counted(query.count, {"people": True, "country": country})
        return tables.varies(listing(documents(rows), links, total))


@blp.route("/<string:person_id>")
class PersonItem(MethodView):
    @blp.response(200, PersonDetail, headers=ETAG_HEADER)
    @blp.alt_response(304, description="Not Modified: the `If-None-Match` ETag is current")
    @blp.alt_response(308, response="RENAMED")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, person_id):
        """Get one person

        With every meeting they took part in, newest first, and their title at each. Send the
        `ETag` back in `If-None-Match` to get a `304` while the person is unchanged.
        """
        if not could_be_id(person_id):
            not_found("person", person_id)
        person = Person.get_or_none(Person.id == person_id) or not_found("person", person_id)
        tag = etag(person.id, person.revision)
        if unchanged := not_modified(tag):
            return unchanged
        return detail(person), {"ETag": tag}

    @write(target=locked(Person))
    @blp.arguments(PersonReplace())
    @blp.response(200, PersonDetail, headers=ETAG_HEADER)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(parameters=[IF_MATCH], **SECURED)
    def put(self, data, person_id, stored):
        """Replace a person

        The whole person; fields left out take their defaults. The meetings that show them get
        new revisions. Needs an API key and `If-Match` with the current ETag.
        """
        replace(Person, person_id, data, detail(stored))
        return _saved(person_id)

    @write(target=locked(Person))
    @blp.response(200, PersonDetail, headers=ETAG_HEADER)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(parameters=[IF_MATCH], requestBody=merge_patch_body(PersonReplace), **SECURED)
    def patch(self, person_id, stored):
        """Change part of a person

        An RFC 7396 JSON Merge Patch (`Content-Type: application/merge-patch+json`) of the
        person as a GET shows them. The meetings that show them get new revisions. Needs an
        API key and `If-Match` with the current ETag.
        """
        shown = detail(stored)
        replace(
            Person, person_id, patched(Person, PersonReplace(), shown, requested_patch()), shown
        )
        return _saved(person_id)
