"""What an import changes on SQLite for its one transaction, and sets back after it: the
page cache, foreign-key checks, plain indexes and the party-pair trigger. On PostgreSQL each
leaves everything as it is."""

from contextlib import contextmanager, nullcontext

from peewee import PostgresqlDatabase

from api.db import db
from api.models import Change, Relation
from api.store.meetings import CHILDREN
from api.store.rows import table_name

BULK_CACHE_KIB = -256_000  # SQLite's page cache for an import (negative: KiB, not pages)


@contextmanager
def _pragma(name: str, value: int):
    """An SQLite setting of this connection changed for a while, then set back."""
    (usual,) = db.execute_sql(f"PRAGMA {name}").fetchone()
    db.execute_sql(f"PRAGMA {name} = {value}")
    try:
        yield
    finally:
        db.execute_sql(f"PRAGMA {name} = {usual}")


def large_page_cache():
    """SQLite's page cache raised for one bulk transaction. A large import outgrows the usual
    32 MB (its indexes are written all over), and then has pages spilled to the WAL and read
    back all along. The cache grows only as pages are used."""
    if isinstance(db.obj, PostgresqlDatabase):
        return nullcontext()
    return _pragma("cache_size", BULK_CACHE_KIB)


def foreign_keys_checked_here():
    """SQLite's foreign-key checks left to the import, for its transaction.

    SQLite looks up the parent of every row it inserts, a B-tree search per row. An import
    has done that work already: `save_meetings` checks every person, source and related
    meeting its records refer to, in the same transaction and before it writes a row, and
    writes each meeting's rows after the meeting. SQLite's own checks would find nothing, so
    they are off while the import writes. (They can only be switched outside a transaction;
    inside someone else's, they stay as they are.)"""
    if isinstance(db.obj, PostgresqlDatabase) or db.in_transaction():
        return nullcontext()
    return _pragma("foreign_keys", 0)


@contextmanager
def _dropped_meanwhile(kind: str, names: list[str]):
    """These SQLite indexes or triggers (`kind`) dropped inside the caller's transaction, and
    made again from their own stored definitions when it is done; yields the names of those
    that exist. If the transaction fails, its rollback restores them with everything else."""
    definitions = []
    for name in names:
        found = db.execute_sql(
            "SELECT sql FROM sqlite_master WHERE type = ? AND name = ?", [kind, name]
        ).fetchone()
        if found is not None:
            definitions.append((name, found[0]))
    for name, _ in definitions:
        db.execute_sql(f'DROP {kind.upper()} "{name}"')
    yield [name for name, _ in definitions]
    for _, sql in definitions:
        db.execute_sql(sql)


# The tables an import adds rows to, whose indexes it may build after the rows. Not the
# meeting table's: its rows are large (the document), and each index built reads them all.
WRITTEN = (*CHILDREN, Relation, Change)


@contextmanager
def indexes_built_after(size: int):
    """On SQLite, an import of `size` meetings into a table holding no more than that: the
    written tables' plain (non-unique) indexes are dropped for the import and built again at
    its end, in the same transaction. Building an index from all its rows at once (a sort)
    costs a fraction of keeping it up to date row by row while the rows go in scattered
    across it; for a small import into a large table it is the other way round, so those keep
    their indexes. Unique indexes always stay: they enforce what they say."""
    if isinstance(db.obj, PostgresqlDatabase):
        yield
        return
    # Row counts, near enough: rowids are handed out in order and seldom freed.
    (stored,) = db.execute_sql('SELECT max(rowid) FROM "meeting"').fetchone()
    (logged,) = db.execute_sql('SELECT max(rowid) FROM "change"').fetchone()
    plain = []
    for model in WRITTEN:
        if ((logged if model is Change else stored) or 0) > size:
            continue
        table = table_name(model)
        for _, index, unique, origin, _ in db.execute_sql(f'PRAGMA index_list("{table}")'):
            if origin == "c" and not unique:  # made by CREATE INDEX, not by a constraint
                plain.append(index)
    with _dropped_meanwhile("index", plain):
        yield


# The trigger that adds a new party row's pairs (migration 0007).
PAIRS_TRIGGER = "party_pair_insert"


@contextmanager
def party_pairs_written_here():
    """On SQLite, the trigger that adds a new party row's pairs is off for the import's
    transaction, and the import writes the pairs with its other rows; yields whether it is to.

    For each party row, the trigger looks up the meeting and its other parties again, which
    costs three times what the row does. No one else can write a party row meanwhile: the
    import's transaction holds SQLite's one write lock, and other connections see the trigger
    as it was until the import commits with it back."""
    if isinstance(db.obj, PostgresqlDatabase):
        yield False
        return
    with _dropped_meanwhile("trigger", [PAIRS_TRIGGER]) as dropped:
        yield bool(dropped)
