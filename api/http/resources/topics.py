"""Topic tags, with how many meetings carry each."""

from flask.views import MethodView

from api.http import tables
from api.http.blueprint import Blueprint
from api.http.pagination import from_items, listing, paginate
from api.models import MeetingTopic
from api.queries.totals import meeting_counts
from schemas.common import PageArgs, envelope
from schemas.country import Topic

blp = Blueprint(
    "topics",
    __name__,
    url_prefix="/v1/topics",
    description="Lowercase topic tags used on meetings and their points.",
)


def _topic(row: dict) -> list[str]:
    return [row["topic"]]


@blp.route("")
class Topics(MethodView):
    @blp.arguments(PageArgs(), location="query", as_kwargs=True)
    @blp.response(200, envelope(Topic, "TopicList"))
    @blp.alt_response(406, response="NOT_ACCEPTABLE")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.doc(**tables.formats("TopicList"))
    def get(self, limit, cursor=None):
        """List topics

        Every topic tag in use, alphabetically, with its meeting count. Use a tag with
        `GET /v1/meetings?topic=`. `Accept: text/csv` or `application/x-ndjson` streams every
        one in one response.
        """
        media = tables.wanted()
        counts = meeting_counts(MeetingTopic.topic)
        rows = [{"topic": t, "meeting_count": n} for t, n in sorted(counts.items())]
        if media:
            return tables.table(media, rows, Topic())
        page, links = paginate(
            from_items(rows, _topic), key_of=_topic, limit=limit, cursor=cursor, sort="topic"
        )
        return tables.varies(listing(page, links, len(rows)))
