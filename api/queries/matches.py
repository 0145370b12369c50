"""Where a search matched: for each meeting a search lists, the fields holding the words it
asked for, each with a short snippet, the words marked, and their offsets.

A word is marked where its stem is the stem of a word the search asked for (not one it left
out, nor a stop word), stemmed as the engine stems: Porter on SQLite, Snowball's English on
PostgreSQL (`PyStemmer`). Fields are named by JSON Pointer, as evidence names them. Offsets
count characters of the field's whole text; a quote's match also gives where the quote
stands in its article, from the record's evidence, and so where each marked word does. A
date is searched by its year and its month's name: the year is marked where asked for, and
so are the month's digits where its name is."""

import re
import threading
from bisect import bisect_right
from collections import defaultdict
from functools import lru_cache
from itertools import accumulate

import Stemmer

from api.common.words import MONTHS, fold, fold_in_place
from api.queries.filters import is_postgres
from api.queries.websearch import STOP_WORDS, Query, parse

MARK, END = "<mark>", "</mark>"
SNIPPET = 160  # characters of a field shown whole; a longer one is cut around its first match
BEFORE = 60  # characters shown before the first match of a field cut short

_stemmers = threading.local()  # a PyStemmer stemmer is for one thread at a time


def _stemmer(algorithm: str):
    kept = getattr(_stemmers, algorithm, None)
    if kept is None:
        kept = Stemmer.Stemmer(algorithm)
        setattr(_stemmers, algorithm, kept)
    return kept


@lru_cache(maxsize=100_000)
def stem(word: str, algorithm: str) -> str:
    """A word's stem by `algorithm` (`porter` or `english`), diacritics folded."""
    return _stemmer(algorithm).stemWord(fold(word))


def finder(q: str) -> "Finder":
    """The Finder of `q`'s words, stemmed as the database in use stems them."""
    return _finder(q, "english" if is_postgres() else "porter")


@lru_cache(maxsize=256)  # made once for a search asked again: a Finder only reads records
def _finder(q: str, algorithm: str) -> "Finder":
    return Finder(parse(q), algorithm)


class Finder:
    """The words a search asked for, found in a record's fields."""

    def __init__(self, query: Query, algorithm: str):
        self.algorithm = algorithm
        self.wanted = {
            stem(word, self.algorithm)
            for term in query.positive
            for word in term.words
            if word not in STOP_WORDS
        }
        # Only words starting as a wanted stem does are stemmed: a stem is the start of its
        # word but for its last letter or so ("studi" of "study"), whatever case or accents.
        starts = sorted({w[:-1] if len(w) > 2 else w for w in self.wanted}, key=len, reverse=True)
        self.candidates = re.compile(r"\b(?:" + "|".join(map(re.escape, starts)) + r")\w*", re.I)
        # Months asked for by name: a date of that month has its month's digits marked.
        self.months = {
            f"{number:02d}"
            for number, name in enumerate(MONTHS, 1)
            if stem(name, algorithm) in self.wanted
        }

    def matches(self, record: dict) -> list[dict]:
        if not self.wanted:
            return []
        # Every field at once, a line each: one pass finds the words, placed by field after.
        texts = list(fields(record))
        joined = "\n".join(text for _, text in texts)
        starts = list(accumulate((len(text) + 1 for _, text in texts), initial=0))
        spans = defaultdict(list)
        for m in self.candidates.finditer(fold_in_place(joined)):
            if stem(joined[m.start() : m.end()], self.algorithm) in self.wanted:
                i = bisect_right(starts, m.start()) - 1
                spans[i].append((m.start() - starts[i], m.end() - starts[i]))
        if self.months:
            i = next(i for i, (pointer, _) in enumerate(texts) if pointer == "/date")
            if texts[i][1][5:7] in self.months:  # YYYY-MM-DD or YYYY-MM; a year has none
                spans[i] = sorted([*spans[i], (5, 7)])
        return [_match(record, *texts[i], spans[i]) for i in sorted(spans)]


def fields(record: dict):
    """(JSON Pointer, text) of every field a search reads, in the record's order."""
    yield "/title", record["title"]
    for i, topic in enumerate(record.get("topics") or []):
        yield f"/topics/{i}", topic
    yield "/summary", record["summary"]
    if record.get("occasion"):
        yield "/occasion", record["occasion"]
    yield "/date", record["date"]  # its year, and its month (asked for by name: `Finder`)
    for kind in ("agreed_points", "discussed"):
        for i, point in enumerate(record.get(kind) or []):
            yield f"/{kind}/{i}/text", point["text"]
            if point.get("quote"):
                yield f"/{kind}/{i}/quote", point["quote"]
    for i, participant in enumerate(record.get("participants") or []):
        yield f"/participants/{i}/person/name", participant["person"]["name"]
        if participant.get("title"):
            yield f"/participants/{i}/title", participant["title"]
    for part in ("venue", "city", "region"):
        if (record.get("location") or {}).get(part):
            yield f"/location/{part}", record["location"][part]
    for i, party in enumerate(record.get("parties") or []):
        yield f"/parties/{i}/name", party["name"]
    for i, source in enumerate(record.get("sources") or []):
        for part in ("title", "publisher"):
            if source.get(part):
                yield f"/sources/{i}/{part}", source[part]


def _match(record: dict, pointer: str, text: str, spans: list[tuple[int, int]]) -> dict:
    start, end = 0, len(text)
    if len(text) > SNIPPET:
        start = max(0, spans[0][0] - BEFORE)
        start = text.rfind(" ", 0, start) + 1 if start else 0  # from a word's start
        end = min(len(text), start + SNIPPET)
        if end < len(text):
            end = max(text.rfind(" ", start, end), spans[0][1])  # to a word's end
    shown = [(a, b) for a, b in spans if a >= start and b <= end]
    pieces, at = [], start
    for a, b in shown:
        pieces += [text[at:a], MARK, text[a:b], END]
        at = b
    pieces.append(text[at:end])
    snippet = ("…" if start else "") + "".join(pieces) + ("…" if end < len(text) else "")
    found = {"field": pointer, "snippet": snippet, "offsets": [list(span) for span in spans]}
    if pointer.endswith("/quote"):
        evidence = _quote_evidence(record, pointer.removesuffix("/quote"), text)
        if evidence is not None:
            found["evidence"] = {
                "source": evidence["source"],
                "start": evidence["start"],
                "end": evidence["end"],
                "offsets": [[evidence["start"] + a, evidence["start"] + b] for a, b in spans],
            }
    return found


def _quote_evidence(record: dict, point: str, quote: str) -> dict | None:
    """The evidence entry that places a point's quote in its article, word for word."""
    for entry in record.get("evidence") or []:
        if (
            entry["field"] == point
            and entry.get("exact") == quote
            and entry.get("start") is not None
        ):
            return entry
    return None
