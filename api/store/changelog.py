"""The change log's one writer: every write appends its changes here, as its last step.

A sequence hands out numbers when rows are inserted, not when they commit. On PostgreSQL a
writer holding seq 7 could commit after another's seq 8 had been read, and a mirror following
`since=8` would never see 7. So each transaction appends its changes holding one
transaction-level advisory lock, which its commit (or rollback) releases: numbers are handed
out, and become visible, one transaction at a time, in commit order. The lock is taken last,
once the transaction holds every row lock it needs, so it is held only for the append and the
commit, and no writer waits for a row while holding it. SQLite has one writer at a time.
"""

from peewee import PostgresqlDatabase

from api.db import db
from api.models import Change
from api.store.rows import insert_rows

# pg_advisory_xact_lock's key for the change log: any fixed number no other lock uses.
LOG_LOCK = 0x6D65657473  # "meets"


def append(changes: list[dict], copy: bool = False) -> None:
    """Append changes (`meeting_id`, `op`, `revision`, `at`, and `type` where the record is
    not a meeting) to the log; call it last in a write's transaction, just before it commits.
    `copy`: by COPY on PostgreSQL, as a bulk import writes."""
    if not changes:
        return
    if isinstance(db.obj, PostgresqlDatabase):
        db.obj.execute_sql("SELECT pg_advisory_xact_lock(%s)", (LOG_LOCK,))
    insert_rows(Change, [{"type": "meeting", **change} for change in changes], copy=copy)


def newest_seq() -> int:
    """The seq of the newest change in the log, 0 for none."""
    return Change.select(Change.seq).order_by(Change.seq.desc()).limit(1).scalar() or 0
