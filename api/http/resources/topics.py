"""Topic tags, with how many meetings carry each."""

from flask.views import MethodView

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
    def get(self, limit, cursor=None):
        """List topics

        Every topic tag in use, alphabetically, with its meeting count. Use a tag with
        `GET /v1/meetings?topic=`.
        """
        counts = meeting_counts(MeetingTopic.topic)
        rows = [{"topic": t, "meeting_count": n} for t, n in sorted(counts.items())]
        page, links = paginate(
            from_items(rows, _topic), key_of=_topic, limit=limit, cursor=cursor, sort="topic"
        )
        return listing(page, links, len(rows))
