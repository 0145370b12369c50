"""Stored meeting documents, read as a response sends them."""

from typing import NamedTuple

from peewee import PostgresqlDatabase

from api.db import db


class Item(NamedTuple):
    """A stored meeting as an item read sends it: its revision and document."""

    revision: int
    document: bytes | str


class PageRow(NamedTuple):
    """A list page's meeting: its id, its first day (the page key), its document, and in a
    search by relevance its score (`ranked`)."""

    id: str
    date_first: object
    document: bytes | str
    score: float | None = None


def document_column() -> str:
    """The stored document column of meeting `m`. SQLite hands it over as the bytes it holds:
    no decoding it into text to encode it again for the response."""
    if isinstance(db.obj, PostgresqlDatabase):
        return 'm."document"'
    return 'CAST(m."document" AS BLOB)'


def stored_item(meeting_id: str) -> Item | None:
    """A stored meeting's revision and document, as sent (bytes on SQLite), or None."""
    row = db.execute_sql(
        f'SELECT m."revision", {document_column()} FROM "meeting" m WHERE m."id" = {db.obj.param}',
        [meeting_id],
    ).fetchone()
    return Item(*row) if row else None
