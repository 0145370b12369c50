"""`q` read as PostgreSQL's `websearch_to_tsquery` reads it, for both engines.

- words are ANDed: `evacuation agreement`;
- `"quoted words"` are a phrase (an unclosed quote runs to the end);
- `OR` (any case) between two terms matches either;
- `-word` or `-"a phrase"` leaves out what holds it.

Nothing is an error: other punctuation, a lone `-` or `OR`, and the engines' own operators
typed as text are read as plain words or ignored. A term of several words ("Jae-in", "U.S.")
is a phrase of them, as PostgreSQL's parser makes it.

PostgreSQL is given each term rebuilt from what was read, in the same syntax, so that its own
parser stems it and drops stop words, and the terms joined as they were read; SQLite's FTS5
is given the same query in its syntax, its Porter tokenizer stemming each word, and
PostgreSQL's English stop words left out."""

from dataclasses import dataclass
from functools import lru_cache

from api.common.words import split
from api.queries.also_written import alternatives

# PostgreSQL's English stop words (share/tsearch_data/english.stop): words its English
# configuration neither indexes nor asks for, left out of SQLite's queries alike.
STOP_WORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his
    himself she her hers herself it its itself they them their theirs themselves what which
    who whom this that these those am is are was were be been being have has had having do
    does did doing a an the and but if or because as until while of at by for with about
    against between into through during before after above below to from up down in out on
    off over under again further then once here there when where why how all any both each
    few more most other some such no nor not only own same so than too very s t can will just
    don should now""".split()
)


@dataclass(frozen=True)
class Term:
    """One word, or a phrase of several, folded (`common.words`); `negated` for `-term`."""

    words: tuple[str, ...]
    negated: bool = False


@dataclass(frozen=True)
class Query:
    """What `q` asks for: every group must match, and a group matches when any of its terms
    does (`OR`)."""

    groups: tuple[tuple[Term, ...], ...]

    @property
    def positive(self) -> list[Term]:
        """The terms a match holds (not the excluded ones), for showing where it matched."""
        return [term for group in self.groups for term in group if not term.negated]


@lru_cache(maxsize=1024)  # a page reads its `q` three times; a Query cannot change
def parse(q: str) -> Query:
    """`q` read as `websearch_to_tsquery` reads it."""
    tokens = _tokens(q)
    groups: list[list[Term]] = []
    joining = False
    for token in tokens:
        if token == "OR":
            joining = bool(groups)
            continue
        if joining:
            groups[-1].append(token)
        else:
            groups.append([token])
        joining = False
    return Query(tuple(_also_written(group) for group in groups))


def _also_written(group: list[Term]) -> tuple[Term, ...]:
    """A group with the other ways of writing each word it asks for (`also_written`), as if
    they had been typed with an `OR`. What is excluded is excluded as typed."""
    wanted = list(group)
    for term in group:
        if not term.negated:
            wanted += [Term(words) for words in alternatives(term.words)]
    return tuple(dict.fromkeys(wanted))


def _tokens(q: str) -> list:
    """Terms and the `OR`s between them, in order."""
    tokens, i = [], 0
    while i < len(q):
        char = q[i]
        if char.isspace():
            i += 1
            continue
        negated = char == "-"
        if negated:
            i += 1
            if i >= len(q) or q[i].isspace():
                continue  # a lone "-"
        if q[i] == '"':
            end = q.find('"', i + 1)
            end = len(q) if end < 0 else end
            text, i = q[i + 1 : end], end + 1
        else:
            end = i
            while end < len(q) and not q[end].isspace() and q[end] != '"':
                end += 1
            text, i = q[i:end], end
            if not negated and text.lower() == "or":
                tokens.append("OR")
                continue
        found = tuple(split(text))
        if found:
            tokens.append(Term(found, negated))
    return tokens


def postgresql(query: Query, mark: str) -> tuple[str, list[str]]:
    """The query as a PostgreSQL tsquery expression, and its parameters (`mark` is the
    driver's placeholder). Each term is read by `websearch_to_tsquery` in its own syntax, so
    that PostgreSQL stems it and drops its stop words; the terms of a group are joined by
    `||` and the groups by `&&`. Given the whole query, `websearch_to_tsquery` would read
    "a b OR c" as (a AND b) OR c, where web search engines, and SQLite here, read a AND
    (b OR c). A group with an exclusion in its `OR` is left out, as on SQLite."""
    groups, params = [], []
    for group in query.groups:
        if len(group) > 1 and any(term.negated for term in group):
            continue
        groups.append(
            "(" + " || ".join([f"websearch_to_tsquery('english', {mark})"] * len(group)) + ")"
        )
        params += [("-" if t.negated else "") + f'"{" ".join(t.words)}"' for t in group]
    return " && ".join(groups) or "CAST('' AS tsquery)", params


@dataclass(frozen=True)
class Fts:
    """The query for SQLite's FTS5: `match`, an expression of what must (and must not) be
    held, or None when only exclusions are asked for; `excluded`, those exclusions as an
    expression of their own, for a query that has nothing else; `empty` when nothing is left
    to ask (only stop words or punctuation), which matches nothing, as on PostgreSQL."""

    match: str | None
    excluded: str | None
    empty: bool


def fts5(query: Query) -> Fts:
    wanted, unwanted = [], []
    for group in query.groups:
        terms = [_trimmed(t) for t in group if not _only_stop_words(t)]
        if not terms:
            continue
        if len(terms) == 1 and terms[0].negated:
            unwanted.append(_phrase(terms[0]))
        elif not any(t.negated for t in terms):
            wanted.append("(" + " OR ".join(_phrase(t) for t in terms) + ")")
        # An OR with an exclusion in it ("a OR -b") has no FTS5 form; it is left out.
    excluded = " OR ".join(unwanted) or None
    if not wanted:
        return Fts(None, excluded, excluded is None)
    match = " AND ".join(wanted)
    if excluded:
        match = f"({match}) NOT ({excluded})"
    return Fts(match, excluded, False)


def _trimmed(term: Term) -> Term:
    """`term` without the stop words at its ends, which PostgreSQL leaves out of a phrase:
    "Kishida's" is the phrase "kishida s", which it asks as "kishida". A stop word within a
    phrase stays, where PostgreSQL leaves room for any one word."""
    words = list(term.words)
    while words[-1] in STOP_WORDS:
        words.pop()
    while words[0] in STOP_WORDS:
        words.pop(0)
    return Term(tuple(words), term.negated)


def _only_stop_words(term: Term) -> bool:
    return all(word in STOP_WORDS for word in term.words)


def _phrase(term: Term) -> str:
    # Words only (\w+), so nothing in them is FTS5 syntax once quoted.
    return '"' + " ".join(term.words) + '"'
