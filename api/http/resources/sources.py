"""Sources: the articles that back the records, and which meetings each backs."""

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
from api.models import Meeting, MeetingSource, Source
from api.queries.totals import counted, meeting_counts
from api.store.documents import instant
from api.store.renames import of as aliases_of
from schemas.common import PageArgs, envelope
from schemas.fields import could_be_id
from schemas.source import Source as SourceSchema
from schemas.source import SourceDetail, SourceReplace

blp = Blueprint(
    "sources",
    __name__,
    url_prefix="/v1/sources",
    description="The articles records are mapped from, with their SHA-256.",
)


BY_ID = [(Source.id, False)]


def document(source: Source, counts: dict, aliases: dict | None = None) -> dict:
    return {
        "id": source.id,
        "publisher": source.publisher,
        "title": source.title,
        "kind": source.kind,
        "aliases": (aliases or {}).get(source.id, []),
        "url": source.url,
        "published_at": source.published_at,
        "seed_file": source.seed_file,
        "sha256": source.sha256,
        "rights": source.rights,
        "meeting_count": counts.get(source.id, 0),
        "created_at": instant(source.created_at),
        "updated_at": instant(source.updated_at),
        "revision": source.revision,
    }


def documents(sources: list[Source]) -> list[dict]:
    """Sources as a list shows them: with their meeting counts and aliases, in two queries."""
    counts = meeting_counts(MeetingSource.source, [s.id for s in sources])
    aliases = aliases_of("source", [s.id for s in sources])
    return [document(s, counts, aliases) for s in sources]


def detail(source: Source) -> dict:
    """A source as a GET shows it: with the meetings it backs, oldest first."""
    meetings = [
        {"id": m.id, "title": m.title, "date": m.date, "date_precision": m.date_precision}
        for m in Meeting.select()
        .join(MeetingSource)
        .where(MeetingSource.source == source.id)
        .order_by(Meeting.date_first, Meeting.id)
    ]
    shown = document(source, {source.id: len(meetings)}, aliases_of("source", [source.id]))
    return {**shown, "meetings": meetings}


def _saved(source_id: str):
    source = Source.get_by_id(source_id)
    return detail(source), {"ETag": etag(source.id, source.revision)}


@blp.route("")
class Sources(MethodView):
    @blp.arguments(PageArgs(), location="query", as_kwargs=True)
    @blp.response(200, envelope(SourceSchema, "SourceList"))
    @blp.alt_response(406, response="NOT_ACCEPTABLE")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.doc(**tables.formats("SourceList"))
    def get(self, limit, cursor=None):
        """List sources

        By id, each with how many meetings it backs. `Accept: text/csv` or
        `application/x-ndjson` streams every one in one response.
        """
        media = tables.wanted()
        query = Source.select()
        if media:
            return tables.table(media, batches(query, documents, BY_ID), SourceSchema())
        rows, links = paginate(
            from_query(query, BY_ID),
            key_of=lambda s: [s.id],
            limit=limit,
            cursor=cursor,
            sort="id",
        )
        total = counted(query.count, {"sources": True})
        return tables.varies(listing(documents(rows), links, total))


@blp.route("/<string:source_id>")
class SourceItem(MethodView):
    @blp.response(200, SourceDetail, headers=ETAG_HEADER)
    @blp.alt_response(304, description="Not Modified: the `If-None-Match` ETag is current")
    @blp.alt_response(308, response="RENAMED")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, source_id):
        """Get one source

        With the meetings it backs, oldest first. Send the `ETag` back in `If-None-Match` to
        get a `304` while the source is unchanged.
        """
        if not could_be_id(source_id):
            not_found("source", source_id)
        source = Source.get_or_none(Source.id == source_id) or not_found("source", source_id)
        tag = etag(source.id, source.revision)
        if unchanged := not_modified(tag):
            return unchanged
        return detail(source), {"ETag": tag}

    @write(target=locked(Source))
    @blp.arguments(SourceReplace())
    @blp.response(200, SourceDetail, headers=ETAG_HEADER)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(parameters=[IF_MATCH], **SECURED)
    def put(self, data, source_id, stored):
        """Replace a source

        The whole source; fields left out take their defaults, but `seed_file` and `sha256`,
        which belong to a seeded article and stay as they are. The meetings it backs get new
        revisions. Needs an API key and `If-Match` with the current ETag.
        """
        replace(Source, source_id, data, detail(stored))
        return _saved(source_id)

    @write(target=locked(Source))
    @blp.response(200, SourceDetail, headers=ETAG_HEADER)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    @blp.alt_response(412, response="PRECONDITION_FAILED")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    @blp.alt_response(428, response="PRECONDITION_REQUIRED")
    @blp.doc(parameters=[IF_MATCH], requestBody=merge_patch_body(SourceReplace), **SECURED)
    def patch(self, source_id, stored):
        """Change part of a source

        An RFC 7396 JSON Merge Patch (`Content-Type: application/merge-patch+json`) of the
        source as a GET shows it; `seed_file` and `sha256` cannot change. The meetings it
        backs get new revisions. Needs an API key and `If-Match` with the current ETag.
        """
        shown = detail(stored)
        replace(
            Source, source_id, patched(Source, SourceReplace(), shown, requested_patch()), shown
        )
        return _saved(source_id)
