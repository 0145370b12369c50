"""Sources: the articles that back the records, and which meetings each backs."""

from flask.views import MethodView

from schemas.common import PageArgs, envelope
from schemas.fields import could_be_id
from schemas.source import Source as SourceSchema
from schemas.source import SourceDetail

from ..blueprint import Blueprint
from ..errors import not_found
from ..models import Meeting, MeetingSource, Source
from ..pagination import listing, paginate
from ..records import meeting_counts

blp = Blueprint(
    "sources",
    __name__,
    url_prefix="/v1/sources",
    description="The articles records are mapped from, with their SHA-256.",
)


def document(source: Source, counts: dict) -> dict:
    return {
        "id": source.id,
        "publisher": source.publisher,
        "title": source.title,
        "url": source.url,
        "published_at": source.published_at,
        "seed_file": source.seed_file,
        "sha256": source.sha256,
        "meeting_count": counts.get(source.id, 0),
    }


@blp.route("")
class Sources(MethodView):
    @blp.arguments(PageArgs(), location="query", as_kwargs=True)
    @blp.response(200, envelope(SourceSchema, "SourceList"))
    def get(self, limit, cursor=None):
        """List sources

        By id, each with how many meetings it backs.
        """
        rows, links, total = paginate(
            Source.select(),
            keys=[(Source.id, False)],
            key_of=lambda s: [s.id],
            limit=limit,
            cursor=cursor,
            sort="id",
            filters={"sources": True},
        )
        counts = meeting_counts(MeetingSource.source, [s.id for s in rows])
        data = [document(s, counts) for s in rows]
        return listing(data, links, total)


@blp.route("/<string:source_id>")
class SourceItem(MethodView):
    @blp.response(200, SourceDetail)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, source_id):
        """Get one source

        With the meetings it backs, oldest first.
        """
        if not could_be_id(source_id):
            not_found("source", source_id)
        source = Source.get_or_none(Source.id == source_id) or not_found("source", source_id)
        meetings = [
            {"id": m.id, "title": m.title, "date": m.date, "date_precision": m.date_precision}
            for m in Meeting.select()
            .join(MeetingSource)
            .where(MeetingSource.source == source.id)
            .order_by(Meeting.date_first, Meeting.id)
        ]
        return {**document(source, {source.id: len(meetings)}), "meetings": meetings}
