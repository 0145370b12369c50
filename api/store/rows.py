"""Rows in and out a chunk at a time, in plain SQL: what bulk writes and lookups share."""

import io
import re
import sqlite3
from operator import itemgetter

from peewee import DateField, DateTimeField, PostgresqlDatabase
from psycopg2.extras import execute_values

from api.db import db
from api.models import JSONList

CHUNK = 500


def fields_of(model) -> list:
    """Every field of a model, in table order: what peewee selects of the whole model."""
    return list(model.select().selected_columns)


def table_name(model) -> str:
    """A model's table, named by the Column that peewee makes of any of its fields."""
    return fields_of(model)[0].column.source.__name__


def select_in(column, values, *fields):
    """Rows (as tuples of `fields`, or of every column) whose `column` is one of `values`, a
    chunk at a time: databases cap the parameters of a statement. Plain SQL, because building
    a peewee query per chunk costs more than running it."""
    values = list(values)
    model = column.model
    fields = fields or tuple(fields_of(model))
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    sql = f'SELECT {names} FROM "{table_name(model)}" WHERE "{column.column_name}" IN '
    for start in range(0, len(values), CHUNK):
        chunk = values[start : start + CHUNK]
        marks = ", ".join([db.obj.param] * len(chunk))
        yield from db.obj.execute_sql(f"{sql}({marks})", chunk).fetchall()


def insert_rows(model, rows: list[dict], ignore_conflicts: bool = False, copy=False) -> None:
    """Insert many rows with a few statements: multi-row VALUES on SQLite, as many rows to a
    statement as its cap on parameters allows (a third faster than executemany's statement
    per row); execute_values on PostgreSQL, or with `copy` (a bulk import), COPY."""
    if rows:
        columns, values = flat_values(model, rows)
        insert_values(model, columns, values, ignore_conflicts=ignore_conflicts, copy=copy)


def flat_values(model, rows: list[dict]) -> tuple[list[str], list]:
    """The rows' field names, and their values in one flat list, row after row, as the driver
    takes them (converted a column at a time). Touches no connection."""
    columns = list(rows[0])
    fields = [getattr(model, name) for name in columns]
    sqlite = not isinstance(db.obj, PostgresqlDatabase)
    width, pick = len(fields), itemgetter(*columns)
    values = [v for row in rows for v in pick(row)] if width > 1 else [pick(r) for r in rows]
    for i, field in enumerate(fields):
        if convert := converter(field, sqlite):
            values[i::width] = [v if v is None else convert(v) for v in values[i::width]]
    return columns, values


def insert_values(model, columns: list[str], values: list, ignore_conflicts=False, copy=False):
    """Insert rows given as `flat_values` gives them: field names, then values row after row.
    With `copy`, PostgreSQL takes them by COPY (as a bulk import writes)."""
    fields = [getattr(model, name) for name in columns]
    names = ", ".join(f'"{f.column_name}"' for f in fields)
    table = f'"{table_name(model)}"'
    width, cursor = len(fields), db.obj.cursor()
    if isinstance(db.obj, PostgresqlDatabase):
        if copy and not ignore_conflicts:
            # COPY's text format: a line a row, tab-separated, \N for NULL (psycopg2 streams a
            # file; it has no encoder of rows). Rows go through the table's triggers and
            # constraints as an INSERT's do, in the caller's transaction.
            lines = io.StringIO()
            lines.writelines(
                "\t".join(map(_copy_text, values[i : i + width])) + "\n"
                for i in range(0, len(values), width)
            )
            lines.seek(0)
            cursor.copy_expert(f"COPY {table} ({names}) FROM STDIN", lines)
            return
        tail = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        execute_values(
            cursor,
            f"INSERT INTO {table} ({names}) VALUES %s{tail}",
            [values[i : i + width] for i in range(0, len(values), width)],
            page_size=CHUNK,
        )
        return
    verb = "INSERT OR IGNORE" if ignore_conflicts else "INSERT"
    marks = f"({', '.join('?' * width)})"
    per = db.obj.connection().getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // width * width
    for start in range(0, len(values), per):
        part = values[start : start + per]
        rows = ", ".join([marks] * (len(part) // width))
        cursor.execute(f"{verb} INTO {table} ({names}) VALUES {rows}", part)


# What COPY's text format escapes in a value: the backslash, and the row and column separators.
_COPY_ESCAPED = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value as COPY's text format reads it (`str` of dates and datetimes is ISO 8601)."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES) if _COPY_ESCAPED.search(value) else value
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def converter(field, sqlite: bool):
    """How a value goes to the driver: as it is for text, numbers and ids; JSON lists through
    their field; dates as the text peewee reads back from SQLite."""
    if isinstance(field, JSONList):
        return field.db_value
    if sqlite and isinstance(field, DateField | DateTimeField):
        return str
    return None
