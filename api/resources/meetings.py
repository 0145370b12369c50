"""Meetings: the list with its filters, and single records with ETags."""

from flask import Response, request
from flask.views import MethodView
from flask_smorest import Blueprint

from schemas.common import MeetingArgs, MeetingList
from schemas.meeting import Meeting as MeetingSchema

from ..errors import not_found
from ..models import Meeting
from ..pagination import link_header, paginate
from ..records import filter_meetings, meeting_documents

blp = Blueprint(
    "meetings",
    __name__,
    url_prefix="/v1/meetings",
    description="Diplomatic meetings, each a typed record backed by its sources.",
)

SORT_KEYS = {
    "date": [(Meeting.date_first, False), (Meeting.id, False)],
    "-date": [(Meeting.date_first, True), (Meeting.id, False)],
}


def etag(meeting: Meeting) -> str:
    return f'"{meeting.id}.{meeting.revision}"'


def _matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    tags = [t.strip() for t in header.split(",")]
    return "*" in tags or tag in tags or f"W/{tag}" in tags


@blp.route("")
class Meetings(MethodView):
    @blp.arguments(MeetingArgs, location="query", as_kwargs=True)
    @blp.response(
        200,
        MeetingList,
        headers={
            "Link": {
                "description": "RFC 8288 links to the next and previous pages",
                "schema": {"type": "string"},
            }
        },
    )
    def get(self, limit, sort, cursor=None, **filters):
        """List meetings

        Newest first by default. Filters combine: every given filter must match. Pages are
        walked with the opaque `cursor` of the `next` and `prev` links.
        """
        rows, links, total = paginate(
            filter_meetings(filters),
            keys=SORT_KEYS[sort],
            limit=limit,
            cursor=cursor,
            sort=sort,
            key_of=lambda m: [m.date_first.isoformat(), m.id],
        )
        body = {"data": meeting_documents(rows), "links": links, "meta": {"total": total}}
        return body, 200, link_header(links)


@blp.route("/<string:meeting_id>")
class MeetingItem(MethodView):
    @blp.response(
        200,
        MeetingSchema,
        headers={
            "ETag": {
                "description": "strong validator, changes with the record's revision",
                "schema": {"type": "string"},
            }
        },
    )
    @blp.alt_response(304, description="Not Modified: the `If-None-Match` ETag is current")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, meeting_id):
        """Get one meeting

        The full record. Send the `ETag` back in `If-None-Match` to get a `304` while it is
        unchanged.
        """
        meeting = Meeting.get_or_none(Meeting.id == meeting_id) or not_found("meeting", meeting_id)
        tag = etag(meeting)
        if _matches(request.headers.get("If-None-Match"), tag):
            return Response(status=304, headers={"ETag": tag})
        return meeting_documents([meeting])[0], 200, {"ETag": tag}
