"""`GET /v1/meetings/facets`: the counts behind a list's filters."""

import datetime as dt
from urllib.parse import quote

from flask import request
from flask.views import MethodView

from api.http.blueprint import Blueprint
from api.http.public_url import url_as_sent, without
from api.queries.facets import facets
from api.queries.pages import plan
from schemas.common import Facets, MeetingFilters

blp = Blueprint(
    "facets",
    __name__,
    url_prefix="/v1/meetings",
    description="Counts of a list's meetings by year, type, format, status, party, place and "
    "topic.",
)
# Facets whose filter may repeat: a meeting has several parties and topics.
REPEATABLE = ("country", "topic")
# What a list takes besides filters, which facets leave unread: no part of a value's list (a
# cursor is another list's place; a limit or sort may be one the list refuses, as 0 is).
PAGING = ("limit", "cursor", "sort", "fields")


@blp.route("/facets")
class MeetingFacets(MethodView):
    @blp.arguments(MeetingFilters(), location="query", as_kwargs=True)
    @blp.response(200, Facets)
    def get(self, **filters):
        """Count meetings by facet

        Takes every filter of the meetings list and counts the meetings it matches by year,
        type, format, status, party (`country`), place (`location_country`) and topic. Each
        value carries the URL of its list: these filters and the value's own.
        """
        base, query = url_as_sent(request.environ)
        base, query = base.removesuffix("/facets"), without(query, PAGING)
        counts = {
            name: [
                {"value": value, "count": n, "url": _url(base, query, filters, name, value)}
                for value, n in found
            ]
            for name, found in facets(filters).items()
        }
        return {"facets": counts, "meta": {"total": plan(filters).total}}


def _url(base: str, query: str, filters: dict, name: str, value: str) -> str:
    """The list of these filters' meetings that have this value: a party or topic is added
    to those asked for, a year narrows `from` and `to` to it, and another value replaces the
    same filter's (a meeting has one)."""
    if name in REPEATABLE:
        added = {name: value}
    elif name == "year":
        # A meeting's days lie in one year: it is of this one and the list's when it overlaps
        # where both meet.
        start, end, year = filters.get("date_from"), filters.get("date_to"), int(value)
        later = start is not None and start.first_day > dt.date(year, 1, 1)
        earlier = end is not None and end.last_day < dt.date(year, 12, 31)
        added = {"from": start.text if later else value, "to": end.text if earlier else value}
    else:
        added = {name: value}
    if name not in REPEATABLE:
        query = without(query, added)
    pairs = "&".join(f"{n}={quote(v, safe='')}" for n, v in added.items())
    return f"{base}?{'&'.join(filter(None, [query, pairs]))}"
