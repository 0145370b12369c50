"""The change log: what mirrors follow to stay an exact copy, deletes included."""

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from api.http import tables
from api.http.blueprint import Blueprint
from api.http.formats import batches
from api.http.pagination import listing, page_url
from api.models import Change
from api.queries.totals import counted
from api.store.changelog import newest_seq
from api.store.documents import instant
from schemas.common import MAX_LIMIT, Links, Meta
from schemas.fields import QueryInteger

blp = Blueprint(
    "changes",
    __name__,
    url_prefix="/v1/changes",
    description="Every create, update and delete, in commit order, for mirrors.",
)

TYPES = ("meeting", "person", "source")
BY_SEQ = [(Change.seq, False)]


class ChangeArgs(Schema):
    class Meta:
        unknown = "exclude"

    since = QueryInteger(
        load_default=0,
        validate=validate.Range(min=0, max=2**63 - 1),
        metadata={"description": "the cursor of the last change you have (`seq`); 0 for all"},
    )
    limit = QueryInteger(
        load_default=100,
        validate=validate.Range(min=1, max=MAX_LIMIT * 10),
        metadata={"description": "changes per page, 1 to 1000"},
    )
    types = fields.List(
        fields.String(validate=validate.OneOf(TYPES)),
        data_key="type",
        load_default=lambda: ["meeting"],
        metadata={
            "description": "the kinds of record whose changes to list; repeat it for several "
            "(`type=meeting&type=person&type=source`). Meetings' only by default."
        },
    )


class ChangeSchema(Schema):
    seq = fields.Integer(metadata={"description": "position in commit order; the next `since`"})
    id = fields.String(metadata={"description": "the record's id"})
    type = fields.String(
        validate=validate.OneOf(TYPES),
        metadata={"description": "what `id` names: a meeting, a person or a source"},
    )
    op = fields.String(
        validate=validate.OneOf(["created", "updated", "deleted", "renamed"]),
        metadata={
            "description": "`renamed`: `id` is now an alias of `renamed_to`; drop the record "
            "kept under `id` (the new one has changes of its own)"
        },
    )
    renamed_to = fields.String(
        allow_none=True, metadata={"description": "for `renamed`: the id the record now has"}
    )
    revision = fields.Integer()
    at = fields.String(metadata={"description": "UTC instant", "format": "date-time"})


class ChangeMeta(Meta):
    next_since = fields.Integer(metadata={"description": "pass as `since` to get later changes"})
    last_seq = fields.Integer(
        metadata={
            "description": "the newest change's `seq` in the log, of any type: a `since` past "
            "it means the log went back (a database restored from a backup)"
        }
    )


class ChangeList(Schema):
    data = fields.List(fields.Nested(ChangeSchema))
    links = fields.Nested(Links)
    meta = fields.Nested(ChangeMeta)


@blp.route("")
class Changes(MethodView):
    @blp.arguments(ChangeArgs(), location="query", as_kwargs=True)
    @blp.response(200, ChangeList)
    @blp.alt_response(406, response="NOT_ACCEPTABLE")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.doc(**tables.formats("ChangeList"))
    def get(self, since, limit, types):
        """List changes

        Changes after `since`, oldest first: meetings' by default, people's and sources' too
        with `type`. Apply them in order (fetch the record for `created` and `updated`, drop it
        for `deleted`, drop it and keep its id as an alias of `renamed_to` for `renamed`) and
        follow `links.next`, which is always given, to keep an exact copy;
        poll it to learn of new changes. `Accept: text/csv` or `application/x-ndjson` streams
        every change after `since` in one response.
        """
        media = tables.wanted()
        types = sorted(set(types))
        query = Change.select().where(Change.seq > since)
        if len(types) < len(TYPES):
            query = query.where(Change.type.in_(types))
        if media:
            return tables.table(media, batches(query, documents, BY_SEQ), ChangeSchema())
        rows = list(query.order_by(Change.seq).limit(limit))
        next_since = rows[-1].seq if rows else since
        links = {"self": page_url(), "next": page_url(since=str(next_since)), "prev": None}
        # Counting a long log reads all of it: once per state of the data, as list totals.
        total = (
            counted(query.count, {"changes_after": since, "types": types})
            if len(rows) == limit
            else len(rows)
        )
        answer = listing(
            documents(rows), links, total, next_since=next_since, last_seq=newest_seq()
        )
        return tables.varies(answer)


def documents(changes: list[Change]) -> list[dict]:
    return [
        {
            "seq": c.seq,
            "id": c.meeting_id,
            "type": c.type,
            "op": c.op,
            "renamed_to": c.renamed_to,
            "revision": c.revision,
            "at": instant(c.at),
        }
        for c in changes
    ]
