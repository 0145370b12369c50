"""People who take part in meetings, with the title each held at each meeting."""

from flask.views import MethodView

from schemas.common import PageArgs, envelope
from schemas.fields import CountryCode, could_be_id
from schemas.person import Person as PersonSchema
from schemas.person import PersonDetail

from ..blueprint import Blueprint
from ..errors import not_found
from ..models import Meeting, Participant, Person
from ..pagination import listing, paginate
from ..records import meeting_counts

blp = Blueprint(
    "people",
    __name__,
    url_prefix="/v1/people",
    description="People named in meetings, written given name first.",
)


class PeopleArgs(PageArgs):
    country = CountryCode(metadata={"description": "people serving this state"})


def document(person: Person, counts: dict) -> dict:
    return {
        "id": person.id,
        "name": person.name,
        "family_name": person.family_name,
        "given_name": person.given_name,
        "country": person.country,
        "meeting_count": counts.get(person.id, 0),
    }


@blp.route("")
class People(MethodView):
    @blp.arguments(PeopleArgs(), location="query", as_kwargs=True)
    @blp.response(200, envelope(PersonSchema, "PersonList"))
    def get(self, limit, cursor=None, country=None):
        """List people

        By id; `country` keeps those serving one state.
        """
        query = Person.select()
        if country:
            query = query.where(Person.country == country)
        rows, links, total = paginate(
            query,
            keys=[(Person.id, False)],
            key_of=lambda p: [p.id],
            limit=limit,
            cursor=cursor,
            sort="id",
            filters={"people": True, "country": country},
        )
        counts = meeting_counts(Participant.person, [p.id for p in rows])
        data = [document(p, counts) for p in rows]
        return listing(data, links, total)


@blp.route("/<string:person_id>")
class PersonItem(MethodView):
    @blp.response(200, PersonDetail)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, person_id):
        """Get one person

        With every meeting they took part in, newest first, and their title at each.
        """
        if not could_be_id(person_id):
            not_found("person", person_id)
        person = Person.get_or_none(Person.id == person_id) or not_found("person", person_id)
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
        return {**document(person, {person.id: len(meetings)}), "meetings": meetings}
