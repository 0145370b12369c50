"""Facets: how many of a list's meetings have each year, type, format, status, party, place
and topic. Exact, counted with the list's own filters (`filters.conditions`), and kept per
state of the data as list totals are (`totals.counted`)."""

from api.db import db
from api.queries.filters import conditions, is_postgres, matches
from api.queries.totals import counted, data_version

# Each facet: the SQL of its value for meeting `m` (joined to a child table `x` where named).
FACETS = {
    "year": (None, None),
    "type": (None, 'm."type"'),
    "format": (None, 'm."format"'),
    "status": (None, 'm."status"'),
    "country": ("party", 'x."country"'),
    "location_country": (None, 'm."location_country"'),
    "topic": ("meeting_topic", 'x."topic"'),
}


def facets(args: dict) -> dict[str, list[tuple[str, int]]]:
    """Each facet's (value, meetings) of the meetings `args` matches, most first, then by
    value (years by year, newest first)."""
    version = data_version()
    values = tuple(matches(args, version))
    return {
        name: counted(
            lambda name=name: _count(name, args, values), {"facet": name, **args}, version
        )
        for name in FACETS
    }


def _count(name: str, args: dict, values) -> list[tuple[str, int]]:
    table, value = FACETS[name]
    if name == "year":
        value = (
            "to_char(m.\"date_first\", 'YYYY')" if is_postgres() else 'substr(m."date_first", 1, 4)'
        )
    where, params = conditions(args, list(values), walk=False)
    source = '"meeting" m'
    if table is not None:
        source += f' JOIN "{table}" x ON x."meeting_id" = m."id"'
    where = [*where, f"{value} IS NOT NULL"]
    sql = (
        f'SELECT {value} AS v, COUNT(DISTINCT m."id") AS n FROM {source} '
        f"WHERE {' AND '.join(where)} GROUP BY {value}"
    )
    found = [(str(v), n) for v, n in db.obj.execute_sql(sql, params)]
    if name == "year":
        return sorted(found, reverse=True)
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))
