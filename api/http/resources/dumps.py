"""`GET /v1/dumps/latest`: every meeting as a Frictionless Data Package, with hashes."""

import base64
import hashlib
import tempfile
from pathlib import Path

from flask import current_app, request, send_file
from flask.views import MethodView
from flask_smorest import abort
from marshmallow import Schema, fields
from peewee import PostgresqlDatabase

from api.db import db
from api.http.blueprint import Blueprint
from api.http.dumps import RESOURCES, latest, state
from api.http.public_url import link_base

blp = Blueprint("dumps", __name__, url_prefix="/v1/dumps", description="Bulk dumps of the data.")
FILES = {path: media for path, _, media, _ in RESOURCES.values()}


class DataPackage(Schema):
    profile = fields.String(metadata={"example": "data-package"})
    name = fields.String()
    version = fields.String(metadata={"description": "the state of the data it holds"})
    resources = fields.List(
        fields.Dict(),
        metadata={"description": "each file: `path` (its URL), `bytes`, `hash` (sha256:…)"},
    )


def root() -> Path:
    configured = current_app.config["MEETINGS_DUMP_DIR"]
    if configured:
        return Path(configured)
    # One folder a database, so that apps on different databases never share a package.
    name = hashlib.sha256(current_app.config["DATABASE_URL"].encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "meetings-dumps" / name


@blp.route("/latest")
class Latest(MethodView):
    @blp.response(200, DataPackage)
    def get(self):
        """The latest dump

        A Frictionless Data Package of every meeting, as NDJSON (what `meetings import` reads)
        and CSV, each file named with its size and SHA-256. Made once for each state of the
        data, by the first request that asks (which may then take a while), from one snapshot.
        """
        with db.atomic():
            if isinstance(db.obj, PostgresqlDatabase):  # one snapshot for every query
                db.execute_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            key = state()
            folder = latest(root(), key)
        descriptor = (folder / "datapackage.json").read_text()
        base = f"{link_base(request.environ)}/v1/dumps/v{key}/"
        package = current_app.json.loads(descriptor)
        for resource in package["resources"]:
            resource["path"] = base + resource["path"]
        return package


@blp.route("/v<key>/<name>")
class DumpFile(MethodView):
    @blp.response(200, description="The file, with `Content-Digest` and `Repr-Digest` (RFC 9530)")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, key, name):
        """One file of a dump

        Immutable: its `ETag` is its hash. A superseded dump's files are gone (404): start
        again from `/v1/dumps/latest`.
        """
        path = root() / f"v{key}" / name
        if name not in FILES or "/" in key or key.startswith(".") or not path.exists():
            abort(404, message=f"No file {name!r} in dump v{key}: see /v1/dumps/latest.")
        package = current_app.json.loads((path.parent / "datapackage.json").read_text())
        digest = next(r["hash"] for r in package["resources"] if r["path"] == name)
        raw = bytes.fromhex(digest.removeprefix("sha256:"))
        response = send_file(path, mimetype=FILES[name], etag=digest, max_age=86400)
        # The whole file's digest (RFC 9530): of what is sent, when it is sent whole; of the
        # file it is a part of, always (a range's part gets that one only).
        field = f"sha-256=:{base64.b64encode(raw).decode()}:"
        response.headers["Repr-Digest"] = field
        if response.status_code == 200:
            response.headers["Content-Digest"] = field
        return response
