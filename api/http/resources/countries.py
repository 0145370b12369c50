"""Countries that take part in meetings (ISO 3166-1), with how many meetings each."""

from flask.views import MethodView
from flask_smorest import abort
from marshmallow import fields

from api.http import tables
from api.http.blueprint import Blueprint
from api.http.pagination import from_items, listing, paginate
from api.models import Party
from api.queries.totals import meeting_counts
from schemas.common import PageArgs, envelope
from schemas.country import Country as CountrySchema
from schemas.fields import all_countries, lookup_country

blp = Blueprint(
    "countries",
    __name__,
    url_prefix="/v1/countries",
    description="States, by ISO 3166-1 code, with their meeting counts.",
)


class CountryArgs(PageArgs):
    all = fields.Boolean(
        load_default=False,
        metadata={"description": "list every ISO 3166-1 country, not only those with meetings"},
    )


def document(country, counts: dict) -> dict:
    return {
        "code": country.code,
        "alpha3": country.alpha3,
        "name": country.name,
        "meeting_count": counts.get(country.code, 0),
    }


def _code(row: dict) -> list[str]:
    return [row["code"]]


@blp.route("")
class Countries(MethodView):
    @blp.arguments(CountryArgs(), location="query", as_kwargs=True)
    @blp.response(200, envelope(CountrySchema, "CountryList"))
    @blp.alt_response(406, response="NOT_ACCEPTABLE")
    @blp.alt_response(503, response="SERVICE_UNAVAILABLE")
    @blp.doc(**tables.formats("CountryList"))
    def get(self, limit, cursor=None, all=False):  # noqa: A002 - the parameter's public name
        """List countries

        Countries that take part in at least one meeting, by code; `all=true` lists every
        ISO 3166-1 country. Paged like every list; `Accept: text/csv` or
        `application/x-ndjson` streams every one in one response.
        """
        media = tables.wanted()
        counts = meeting_counts(Party.country)
        rows = [document(c, counts) for c in all_countries() if all or c.code in counts]
        if media:
            return tables.table(media, rows, CountrySchema())
        page, links = paginate(
            from_items(rows, _code),
            key_of=_code,
            limit=limit,
            cursor=cursor,
            sort="code",
            filters={"all": all},
        )
        return tables.varies(listing(page, links, len(rows)))


@blp.route("/<string:code>")
class CountryItem(MethodView):
    @blp.response(200, CountrySchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, code):
        """Get one country

        Any ISO 3166-1 alpha-2 or alpha-3 code, in any case, with its meeting count.
        """
        country = lookup_country(code)
        if country is None:
            abort(404, message=f"No ISO 3166-1 country with code {code!r}.")
        return document(country, meeting_counts(Party.country, [country.code]))
