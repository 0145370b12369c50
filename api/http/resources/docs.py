"""The OpenAPI description as YAML, and the interactive docs, served from installed assets."""

from flask import Blueprint, current_app
from flask_swagger_ui import get_swaggerui_blueprint

from api.http import linked_data
from api.http.openapi import spec_dict, spec_yaml

blp = Blueprint("openapi_yaml", __name__)


@blp.get("/v1/openapi.yaml")
def openapi_yaml():
    text = spec_yaml(current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"])
    return current_app.response_class(text, mimetype="application/yaml")


@blp.get("/openapi.json")
def openapi_json():
    """The description at the root too, where tools look for it first."""
    api = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    return current_app.json.response(spec_dict(api))


@blp.get("/v1/context.jsonld")
def linked_data_context():
    """The JSON-LD context meetings are given in as linked data."""
    return linked_data.context_response()


def docs_blueprint():
    # Swagger UI 5 (it reads OpenAPI 3.1) from the flask-swagger-ui package: no CDN involved.
    return get_swaggerui_blueprint(
        "/docs",
        "/v1/openapi.json",
        # No validator badge: it would call out to an outside service (and the CSP forbids it).
        config={"app_name": "Meeting Records API", "validatorUrl": None},
    )
