"""The blueprint every resource uses: flask-smorest's, with a leaner query-string reader."""

import flask_smorest
from marshmallow import Schema, ValidationError
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from webargs.multidictproxy import MultiDictProxy

from api.common import jsontext
from api.common.memo import Memo


class QueryParser(FlaskParser):
    """Reads the query string into a plain dict: a list for the schema's repeatable
    parameters, the first value for the others; what webargs' MultiDictProxy gives, without
    the proxy raising and catching an exception for every parameter a request leaves out."""

    def __init__(self):
        super().__init__()
        self._repeatable: dict = {}
        self._parsed = Memo(1024)

    def load_json(self, req, schema):
        """A JSON body, read by `api.common.jsontext`: invalid (a 400 saying what the parser found
        and where) where it is not UTF-8, repeats a key, holds a huge integer, nests too
        deeply, or holds a lone surrogate or a NUL character. No body is a missing one."""
        body = req.get_data(cache=True) if is_json_request(req) else b""
        if not body:
            return core.missing
        try:
            return jsontext.loads(body)
        except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError
            abort(400, exc=exc, messages={"json": ["Invalid JSON body."]})

    def parse(self, argmap, req=None, *, location=None, validate=None, **kwargs):
        """Query arguments, validated once per query string and schema: what a query string
        parses to never changes, and popular ones (a dashboard's) come again and again."""
        if location != "query" or validate is not None or not isinstance(argmap, Schema):
            return super().parse(argmap, req, location=location, validate=validate, **kwargs)
        req = req if req is not None else self.get_default_request()
        return self.query_args(argmap, req.query_string, lambda: req, **kwargs)

    def query_args(self, schema: Schema, query_string: bytes, request_of, **kwargs) -> dict:
        """`schema`'s arguments in a query string, as `parse` gives them; `request_of()` is
        the request to read them from, asked for only when this query string is new. Invalid
        arguments raise the HTTPException (a 422) that Flask turns into a problem."""
        parsed = self._parsed.get(
            (schema, query_string),
            lambda: super(QueryParser, self).parse(
                schema, request_of(), location="query", **kwargs
            ),
        )
        # Each request gets its own copy to change.
        return {k: list(v) if isinstance(v, list) else v for k, v in parsed.items()}

    def load_querystring(self, req, schema):
        """The query string as a dict; a parameter that takes one value given more than once
        is a 422 (which of them was meant?). Unknown parameters are ignored, repeated or not."""
        repeatable = self._repeatable.get(schema)
        if repeatable is None:
            proxy = MultiDictProxy({}, schema, tuple(self.KNOWN_MULTI_FIELDS))
            repeatable = self._repeatable[schema] = frozenset(proxy.multiple_keys)
        args = req.args
        known = {field.data_key or name for name, field in schema.fields.items()}
        repeated = {
            key: [f"Given {len(args.getlist(key))} times; it takes one value."]
            for key in args
            if key in known and key not in repeatable and len(args.getlist(key)) > 1
        }
        if repeated:
            raise ValidationError(repeated)
        return {key: args.getlist(key) if key in repeatable else args[key] for key in args}


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = QueryParser()

    def response_as_is(self, *args, **kwargs):
        """`response` for a view that builds its own Response, which flask-smorest sends as it
        is: documented the same way, with nothing to serialize at run time."""
        return self.response(*args, **kwargs)
