"""The other lists (countries, people, sources, topics) in CSV and NDJSON: every item of a
list streamed in one response, with the list's filters and no paging, as the meetings list
streams its feeds. An item is what the JSON page shows, a line of NDJSON or a row of CSV."""

import orjson
from flask import Response

from api.http.formats import csv_table, joined, ndjson_lines, safe_cells
from api.http.streams import negotiate, streamed

TABLES = ("text/csv", "application/x-ndjson")
OFFERED = ["application/json", *TABLES]


def formats(list_schema: str) -> dict:
    """The 200 of a list that also answers in these types, for its operation's OpenAPI
    document: JSON pages of the `list_schema` component, or every item as text."""
    json_page = {"schema": {"$ref": f"#/components/schemas/{list_schema}"}}
    content = {media: {"schema": {"type": "string"}} for media in TABLES}
    return {
        "responses": {
            "200": {
                "description": "A page of the list (CSV, NDJSON: every item, no paging)",
                "content": {"application/json": json_page, **content},
            }
        }
    }


def wanted() -> str | None:
    """The type of a whole list the request's `Accept` header asks for, or None for a JSON
    page; a 406 problem when it lists none of them."""
    media = negotiate(OFFERED)
    return None if media == "application/json" else media


def varies(answer: tuple) -> tuple:
    """A list's JSON page (`pagination.listing`), marked as one of the types it answers in."""
    body, status, headers = answer
    return body, status, {**headers, "Vary": "Accept"}


def _cell(value):
    # A list of names or ids goes in one cell, as the meetings' CSV joins its lists.
    return joined(value) if isinstance(value, list) else value


def table(media: str, items, schema) -> Response:
    """`items` (each as the list's JSON page takes it before `schema` dumps it) streamed as
    `media`, a line or a row each; the CSV's columns are the schema's fields."""
    shown = (schema.dump(item) for item in items)
    if media == "application/x-ndjson":
        return streamed(media, ndjson_lines(orjson.dumps(item) for item in shown))
    columns = tuple(field.data_key or name for name, field in schema.dump_fields.items())
    rows = (safe_cells([_cell(item.get(column)) for column in columns]) for item in shown)
    return streamed(media, csv_table(columns, rows))
