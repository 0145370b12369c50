"""schemas.fastload: the same records as marshmallow's own load, and the same errors."""

import copy
import json
import random

import pytest
from marshmallow import ValidationError

from bench.synthetic import meetings
from schemas.fastload import FastLoader, Unsure, compile_schema
from schemas.fields import lookup_country
from schemas.meeting import MeetingIn
from schemas.seedfile import SeedFile


def outcome(load, data):
    """What a load gives: the record, with its keys in order, or the error messages."""
    try:
        record = load(copy.deepcopy(data))
    except ValidationError as exc:
        return "invalid", exc.messages
    return "valid", json.dumps(record, default=repr)


def assert_same(data, loader=None):
    expected = outcome(MeetingIn().load, data)
    assert outcome((loader or FastLoader(MeetingIn())).load, data) == expected
    return expected[0]


def base() -> dict:
    return next(meetings(1, seed=9, first=5))


def test_synthetic_records_load_the_same():
    fast = FastLoader(MeetingIn())
    for record in meetings(200, seed=4):
        assert outcome(fast.load, record) == outcome(MeetingIn().load, record)


def test_the_plain_case_takes_the_fast_path():
    # Unsure would send the record to marshmallow: the point is that it does not.
    assert compile_schema(MeetingIn())(copy.deepcopy(base()))["id"] == base()["id"]


def with_(path: str, value) -> dict:
    """The base record with the value at a dotted path (list indexes as numbers) replaced, or
    removed where the value is `...`."""
    record = base()
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = record
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return record


# Values marshmallow coerces or accepts in more than one form, and values it refuses: the fast
# path must give way to it on every one.
CASES = {
    "numeric string": ("duration_minutes", "45"),
    "float minutes": ("duration_minutes", 45.0),
    "boolean minutes": ("duration_minutes", True),
    "zero minutes": ("duration_minutes", 0),
    "yes for a boolean": ("duration_approximate", "yes"),
    "one for a boolean": ("duration_approximate", 1),
    "missing boolean": ("duration_approximate", ...),
    "alpha-3 party": ("parties.0", "jpn"),
    "lower-case party": ("parties.0", "us"),
    "party object": ("parties.0", {"country": "US", "name": "United States"}),
    "party object with extra": ("parties.0", {"country": "US", "flag": "x"}),
    "unknown party": ("parties.0", "XX"),
    "no parties": ("parties", []),
    "person by id": ("participants.0.person", "someone-known"),
    "person id derived": ("participants.0.person.id", ...),
    "person bad id": ("participants.0.person", "Not A Slug"),
    "person as number": ("participants.0.person", 7),
    "source by id": ("sources.0", "synthetic-source-1"),
    "source with url": ("sources.0.url", "https://example.org/a"),
    "source bad url": ("sources.0.url", "ftp://example.org/a"),
    "source instant": ("sources.0.published_at", "2024-01-02T03:04:05Z"),
    "source bad instant": ("sources.0.published_at", "yesterday"),
    "null title": ("title", None),
    "empty title": ("title", ""),
    "number title": ("title", 12),
    "missing title": ("title", ...),
    "unknown field": ("colour", "blue"),
    "unknown nested field": ("agreed_points.0.colour", "blue"),
    "server-owned field": ("revision", 3),
    "right position": ("agreed_points.0.position", 1),
    "wrong position": ("agreed_points.0.position", 2),
    "bad date": ("date", "2024-13-01"),
    "month date": ("date", "2024-05"),
    "start time alone": ("start_time", "10:30"),
    "bad zone": ("timezone", "Mars/Olympus"),
    "bad topic": ("topics.0", "Not a topic"),
    "topics not a list": ("topics", "trade"),
    "points as tuple-like dict": ("agreed_points", {"0": {}}),
    "participant not a dict": ("participants.0", "x"),
    "participant elsewhere": ("participants.0.country", "FR"),
    "bad relation": ("related", [{"id": "synthetic-0000001", "relation": "cousin"}]),
    "self relation": ("related", [{"id": "synthetic-0000005", "relation": "previous"}]),
    "inferred without note": ("date_basis", "inferred"),
    "phone with location": ("location", {"country": "JP"}),
    "location": ("location", {"country": "jp", "city": "Tokyo"}),
}


@pytest.mark.parametrize("name", list(CASES))
def test_every_form_marshmallow_takes_or_refuses_gives_its_answer(name):
    assert_same(with_(*CASES[name]))


def test_a_few_hundred_random_edits_give_marshmallows_answers():
    # One loader for all: what it remembers of one record must not change the next.
    loader, rng = FastLoader(MeetingIn()), random.Random(1)
    values = [None, "", 0, 1, 1.5, True, "x", "JP", "2024-02-30", [], {}, ["JP"], {"id": "x"}]
    answers = set()
    for _ in range(400):
        record = base()
        for _ in range(rng.randint(1, 3)):
            target, key = record, None
            while True:
                key = rng.choice(list(target) if isinstance(target, dict) else range(len(target)))
                value = target[key]
                if not isinstance(value, dict | list) or not value or rng.random() < 0.3:
                    break
                target = value
            target[key] = rng.choice(values)
        answers.add(assert_same(record, loader))
    assert answers == {"valid", "invalid"}


def test_country_codes_are_remembered_but_not_their_failures():
    loader = FastLoader(MeetingIn())
    code = base()["parties"][0]
    alpha3 = lookup_country(code).alpha3
    for party in (alpha3.lower(), "XX", "XX", alpha3.lower(), code.title(), {"country": "XX"}):
        expected = "invalid" if "XX" in str(party) else "valid"
        assert assert_same(with_("parties.0", party), loader) == expected


@pytest.mark.parametrize("data", [None, [], "meeting", 3, [base()]])
def test_what_is_not_a_record_gets_marshmallows_error(data):
    assert assert_same(data) == "invalid"


def test_a_seed_file_loads_the_same_and_hands_doubtful_values_over():
    # Lists of nested schemas, each with hooks of its own.
    meeting = {**base(), "sources": []}
    meeting["participants"][0]["person"] = "someone-known"
    data = {"source": {"id": "a-source"}, "people": [{"id": "p", "name": "P", "country": "JP"}]}
    data["meetings"] = [meeting]
    assert outcome(FastLoader(SeedFile()).load, data) == outcome(SeedFile().load, data)
    assert outcome(FastLoader(SeedFile()).load, data)[0] == "valid"
    data["meetings"][0]["duration_minutes"] = "5"
    with pytest.raises(Unsure):
        compile_schema(SeedFile())(data)
    assert outcome(FastLoader(SeedFile()).load, data) == outcome(SeedFile().load, data)
