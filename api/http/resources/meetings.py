"""Meetings: the list with its filters and formats, single records, and writes."""

import orjson
from flask import Response, request, url_for
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import ValidationError

from api.common.merge_patch import merge_patch, requested_patch
from api.http import linked_data
from api.http.blueprint import Blueprint
from api.http.formats import as_listed, selection
from api.http.openapi import ETAG_HEADER, IF_MATCH, SECURED, merge_patch_body
from api.http.pagination import link_header, page_urls, paginate
from api.http.streams import ITEM_OFFERED, STREAMS, negotiate, stream
from api.http.writes import IDEMPOTENCY_HEADER, current, etag, locked_meeting, not_modified, write
from api.models import Meeting
from api.queries import pages
from api.queries.items import stored_item
from api.store.meeting_ids import claim_meeting_id
from api.store.meetings import delete_meeting, save_meetings
from api.store.portable import portable_documents
from schemas.common import ItemArgs, MeetingArgs, MeetingList
from schemas.fields import could_be_id
from schemas.meeting import MeetingIn
from schemas.meeting_out import Meeting as MeetingSchema
from schemas.meeting_write import SHOWN_SERVER_OWNED, MeetingReplace, MeetingWrite

blp = Blueprint(
    "meetings",
    __name__,
    url_prefix="/v1/meetings",
    description="Diplomatic meetings, each a typed record backed by its sources.",
)

LIST_ARGS = MeetingArgs()
_header = {"schema": {"type": "string"}}
IDEMPOTENCY = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "a retry with the same key and body gets the first answer again",
}
_alt_content = {"schema": {"type": "string"}}
_linked_content = {"schema": {"type": "object", "description": "schema.org `Event`s, JSON-LD"}}
LIST_FORMATS = {
    "responses": {
        "200": {
            "description": "A page of meetings (CSV, NDJSON, iCalendar: every match)",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/MeetingList"}},
                **{media: _alt_content for media in STREAMS},
                linked_data.MEDIA: _linked_content,
            },
        }
    }
}


ITEM_FORMATS = {
    "responses": {
        "200": {
            "description": "The meeting (JSON-LD: a schema.org `Event`)",
            "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Meeting"}},
                linked_data.MEDIA: _linked_content,
            },
            "headers": ETAG_HEADER,
        },
        "308": {"$ref": "#/components/responses/RENAMED"},
    }
}


def _server_owned_unchanged(data: dict, stored: Meeting) -> None:
    """Takes the server-owned fields out of a PUT's record: a 422 naming those that differ
    from what the stored record shows."""
    sent = {name: data.pop(name) for name in SHOWN_SERVER_OWNED if name in data}
    if not sent:
        return
    shown = orjson.loads(stored.document)
    errors = {
        name: [f"Set by the server: it is {shown[name]!r}; send that, or leave it out."]
        for name, value in sent.items()
        if value != shown[name]
    }
    if errors:
        abort(
            422,
            message="Server-owned fields differ from the stored record's: "
            + ", ".join(errors)
            + ".",
            errors=errors,
        )


def _saved(meeting_id: str, status: int, **headers):
    meeting = Meeting.get_by_id(meeting_id)
    return Response(
        meeting.document,
        status=status,
        mimetype="application/json",
        headers={"ETag": etag(meeting.id, meeting.revision), **headers},
    )


@blp.route("")
class Meetings(MethodView):
    @blp.arguments(LIST_ARGS, location="query", as_kwargs=True)
    @blp.response_as_is(
        200,
        MeetingList,
        headers={
            "Link": {"description": "RFC 8288 links to the next and previous pages", **_header}
        },
    )
    @blp.alt_response(406, response="NOT_ACCEPTABLE")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.doc(**LIST_FORMATS)
    def get(self, limit, sort, cursor=None, selected=None, **filters):
        """List meetings

        Newest first by default. Filters combine: every given filter must match. Pages are
        walked with the opaque `cursor` of the `next` and `prev` links. With
        `Accept: text/csv`, `application/x-ndjson` or `text/calendar` every match is streamed
        in one response (same filters, no paging).
        """
        media = negotiate()
        if media in STREAMS:
            return stream(media, filters, sort, selected)
        plan = pages.plan(filters)
        reader = pages.order(filters, plan, sort)
        rows, links = paginate(
            reader.read,
            key_of=reader.key,
            limit=limit,
            cursor=cursor,
            sort=sort,
            width=reader.width,
            is_key=reader.is_key,
            urls=page_urls(request.environ),
            filters=filters,
        )
        # The stored documents go out as they are: no rendering, no re-encoding.
        documents = [
            row.document if isinstance(row.document, bytes) else row.document.encode()
            for row in rows
        ]
        if media == linked_data.MEDIA:  # the whole records, as Events
            return linked_data.page_response(documents, links)
        documents = list(as_listed(documents, filters.get("q"), selected))
        tail = orjson.dumps({"links": links, "meta": {"total": plan.total}})
        body = b'{"data":[' + b",".join(documents) + b"]," + tail[1:]
        headers = {**link_header(links), "Vary": "Accept"}
        return Response(body, mimetype="application/json", headers=headers)

    @write
    @blp.arguments(MeetingWrite())
    @blp.response_as_is(
        201,
        MeetingSchema,
        headers={**ETAG_HEADER, "Location": {"description": "the new record's URL", **_header}},
    )
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(parameters=[IDEMPOTENCY], **SECURED)
    def post(self, data):
        """Create a meeting

        Validated like the seed files. `id` is derived from date, parties and type when left
        out; a taken or deleted id is a 409. People and sources are linked by id or given
        whole. Needs an API key.
        """
        data["id"] = claim_meeting_id(data)
        save_meetings([data])
        return _saved(
            data["id"], 201, Location=url_for("meetings.MeetingItem", meeting_id=data["id"])
        )


@blp.route("/<meeting_id:meeting_id>")
class MeetingItem(MethodView):
    @blp.arguments(ItemArgs(), location="query", as_kwargs=True)
    @blp.response_as_is(200, MeetingSchema, headers=ETAG_HEADER)
    @blp.alt_response(304, description="Not Modified: the `If-None-Match` ETag is current")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(406, response="NOT_ACCEPTABLE")
    @blp.alt_response(410, response="GONE")
    @blp.doc(**ITEM_FORMATS)
    def get(self, meeting_id, selected=None):
        """Get one meeting

        The full record, or with `fields` the fields named. Send the `ETag` back in
        `If-None-Match` to get a `304` while it is unchanged. A deleted meeting answers
        `410 Gone`.
        """
        found = stored_item(meeting_id) if could_be_id(meeting_id) else None
        if found is None:
            current(meeting_id)  # 410 for a deleted meeting, else 404
        linked = negotiate(ITEM_OFFERED) == linked_data.MEDIA
        tag = etag(meeting_id, found.revision, selected)
        tag = linked_data.variant(tag) if linked else tag
        if unchanged := not_modified(tag):
            return unchanged
        if linked:
            return linked_data.item_response(found.document, tag)
        document = (
            selection(found.document, MeetingSchema, selected) if selected else found.document
        )
        headers = {"ETag": tag, "Vary": "Accept"}  # JSON-LD is asked for by Accept
        return Response(document, mimetype="application/json", headers=headers)

    @write(target=locked_meeting)
    @blp.arguments(MeetingReplace())
    @blp.response_as_is(200, MeetingSchema, headers=ETAG_HEADER)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(410, response="GONE")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(parameters=[IF_MATCH], **SECURED)
    def put(self, data, meeting_id, stored):
        """Replace a meeting

        The whole record, as for a create; fields left out take their defaults. The record as
        a GET returned it may be sent back: its server-owned fields must then equal the stored
        ones. Needs an API key and `If-Match` with the current ETag.
        """
        _server_owned_unchanged(data, stored)
        if data.get("id", meeting_id) != meeting_id:
            abort(
                422,
                message="The body's id differs from the URL's.",
                errors={"id": ["Must equal the id in the URL (ids never change)."]},
            )
        save_meetings([{**data, "id": meeting_id}])
        return _saved(meeting_id, 200)

    @write(target=locked_meeting)
    @blp.response_as_is(200, MeetingSchema, headers=ETAG_HEADER)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(410, response="GONE")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(
        parameters=[IF_MATCH],
        requestBody=merge_patch_body(MeetingReplace),
        **SECURED,
    )
    def patch(self, meeting_id, stored):
        """Change part of a meeting

        An RFC 7396 JSON Merge Patch (`Content-Type: application/merge-patch+json`) of the
        record as a client writes it: `null` removes a field, lists are replaced whole. Needs
        an API key and `If-Match` with the current ETag.
        """
        merged = merge_patch(portable_documents([stored])[0], requested_patch())
        try:
            data = MeetingIn().load(merged)
        except ValidationError as exc:
            abort(
                422,
                message="The patched record is not valid: "
                + ", ".join(map(str, exc.messages))
                + ".",
                errors=exc.messages,
            )
        if data["id"] != meeting_id:
            abort(422, message="The id cannot change.", errors={"id": ["Ids never change."]})
        save_meetings([data])
        return _saved(meeting_id, 200)

    @write(target=locked_meeting)
    @blp.response_as_is(204)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(410, response="GONE")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(parameters=[IF_MATCH], **SECURED)
    def delete(self, meeting_id, stored):
        """Delete a meeting

        Leaves a tombstone: the id answers `410 Gone`, is never reused, and `/v1/changes`
        tells mirrors. Needs an API key and `If-Match` with the current ETag.
        """
        delete_meeting(meeting_id, stored.revision)
        response = Response(status=204)
        del response.headers["Content-Type"]
        return response
