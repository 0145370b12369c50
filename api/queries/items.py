"""Stored meeting documents, read as a response sends them."""

from peewee import PostgresqlDatabase

from api.db import db


def document_column() -> str:
    """The stored document column of meeting `m`. SQLite hands it over as the bytes it holds:
    no decoding it into text to encode it again for the response."""
    if isinstance(db.obj, PostgresqlDatabase):
        return 'm."document"'
    return 'CAST(m."document" AS BLOB)'


def stored_item(meeting_id: str) -> tuple | None:
    """A stored meeting's revision and document, as sent (bytes on SQLite), or None."""
    return db.execute_sql(
        f'SELECT m."revision", {document_column()} FROM "meeting" m WHERE m."id" = {db.obj.param}',
        [meeting_id],
    ).fetchone()
