"""The front door: what the API holds and where its description is, at `/`, `/v1` and
`/.well-known/api-catalog` (RFC 9727), each with `Link` relations to the spec and the docs."""

from flask import current_app, request
from flask.views import MethodView
from marshmallow import Schema, fields

from api.http.blueprint import Blueprint
from api.http.public_url import link_base

blp = Blueprint("index", __name__, description="Where to start: the collections and the spec.")

COLLECTIONS = {
    "meetings": "/v1/meetings",
    "people": "/v1/people",
    "sources": "/v1/sources",
    "countries": "/v1/countries",
    "topics": "/v1/topics",
    "changes": "/v1/changes",
}
LINKSET = "application/linkset+json"
# As CITATION.cff gives it; a client adds the date it retrieved the records.
CITATION = (
    "Meeting Records API contributors. Meeting Records API: structured records of diplomatic "
    "meetings (version {version}) [Data set]. MIT licence."
)


class IndexLinks(Schema):
    meetings = fields.String(metadata={"example": "https://api.example.org/v1/meetings"})
    people = fields.String()
    sources = fields.String()
    countries = fields.String()
    topics = fields.String()
    changes = fields.String(metadata={"description": "the change feed, for mirrors"})
    openapi = fields.String(metadata={"description": "this API's OpenAPI description (JSON)"})
    openapi_yaml = fields.String(metadata={"description": "the same as YAML"})
    docs = fields.String(metadata={"description": "interactive documentation"})
    api_catalog = fields.String(metadata={"description": "RFC 9727 API catalog"})


class Index(Schema):
    name = fields.String(metadata={"example": "Meeting Records API"})
    version = fields.String(metadata={"example": "1.0.0"})
    description = fields.String()
    citation = fields.String(metadata={"description": "how to cite the records"})
    links = fields.Nested(IndexLinks)


class Linkset(Schema):
    linkset = fields.List(
        fields.Dict(),
        metadata={
            "description": "one link context (this API) and its `service-desc`, "
            "`service-doc` and `status` targets"
        },
    )


def _links() -> dict[str, str]:
    base = link_base(request.environ)
    found = {name: base + path for name, path in COLLECTIONS.items()}
    return {
        **found,
        "openapi": f"{base}/v1/openapi.json",
        "openapi_yaml": f"{base}/v1/openapi.yaml",
        "docs": f"{base}/docs",
        "api_catalog": f"{base}/.well-known/api-catalog",
    }


def _link_header(links: dict) -> dict:
    return {
        "Link": ", ".join(
            [
                f'<{links["openapi"]}>; rel="service-desc"; type="application/openapi+json"',
                f'<{links["docs"]}>; rel="service-doc"; type="text/html"',
                f'<{links["api_catalog"]}>; rel="api-catalog"; type="{LINKSET}"',
            ]
        )
    }


@blp.route("/")
class Root(MethodView):
    @blp.response(200, Index, headers={"Link": {"schema": {"type": "string"}}})
    def get(self):
        """Where to start

        The collections this API serves and where its description is, also as `Link`
        relations (`service-desc`, `service-doc`, `api-catalog`).
        """
        links = _links()
        return _index(links), 200, _link_header(links)


@blp.route("/v1", strict_slashes=False)
class Version(MethodView):
    @blp.response(200, Index, headers={"Link": {"schema": {"type": "string"}}})
    def get(self):
        """Where to start in v1

        The same as `/`: the collections of v1 and where its description is.
        """
        links = _links()
        return _index(links), 200, _link_header(links)


@blp.route("/.well-known/api-catalog")
class Catalog(MethodView):
    @blp.response(200, Linkset, content_type=LINKSET)
    def get(self):
        """API catalog

        RFC 9727: this API as a linkset (RFC 9264), with its description, docs and status.
        """
        links = _links()
        anchor = links["meetings"].removesuffix("/meetings")
        entry = {
            "anchor": anchor,
            "service-desc": [{"href": links["openapi"], "type": "application/openapi+json"}],
            "service-doc": [{"href": links["docs"], "type": "text/html"}],
            "status": [{"href": anchor.removesuffix("/v1") + "/readyz"}],
        }
        response = current_app.json.response({"linkset": [entry]})
        response.mimetype = LINKSET
        response.headers.update(_link_header(links))
        return response


def _index(links: dict) -> dict:
    return {
        "name": current_app.config["API_TITLE"],
        "version": current_app.config["API_VERSION"],
        "description": "Structured records of diplomatic meetings, mapped by hand from news "
        "articles; each fact checkable against its source.",
        "citation": CITATION.format(version=current_app.config["API_VERSION"]),
        "links": links,
    }
