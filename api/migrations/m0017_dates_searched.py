"""Search reads a meeting's date too: its year as written, and its month's name where the date
gives one ("2024 december"), after the other words searched with the summary.

The words are appended to every stored meeting's `search_text` in one statement, the same on
both databases, as `store.meeting_rows.search_columns` now ends them: the search indexes
follow by their triggers, in the step's one transaction, so no search ever sees a meeting
without its words. Servers older than this step write meetings without them meanwhile."""

VERSION = 17
NAME = "dates_searched"

MONTHS = (
    "january february march april may june july august september october november december"
).split()
MONTH_NAME = " ".join(f"WHEN '{n:02d}' THEN '{name}'" for n, name in enumerate(MONTHS, 1))
APPEND_DATE_WORDS = (
    'UPDATE "meeting" SET "search_text" = "search_text" || \' \' || substr("date", 1, 4) '
    f'|| CASE WHEN length("date") >= 7 THEN \' \' || CASE substr("date", 6, 2) {MONTH_NAME} END '
    "ELSE '' END"
)


def up(database):
    database.execute_sql(APPEND_DATE_WORDS)
