"""Synthetic but realistic meetings, in the form `meetings import` reads (NDJSON lines).

Deterministic for a given seed: parties drawn from a weighted pool of states, participants
with titles, agreed points with quotes, sources, related links, dates spread over decades.
"""

import datetime as dt
import json
import random

STATES = [
    "JP",
    "KR",
    "US",
    "CN",
    "GB",
    "FR",
    "DE",
    "IN",
    "AU",
    "CA",
    "IT",
    "BR",
    "ID",
    "VN",
    "PH",
    "TH",
    "MY",
    "SG",
    "MX",
    "CL",
    "ZA",
    "NG",
    "EG",
    "TR",
    "SA",
    "RU",
    "UA",
    "PL",
]
WEIGHTS = [
    30,
    28,
    25,
    20,
    10,
    10,
    10,
    8,
    8,
    6,
    6,
    5,
    5,
    5,
    4,
    4,
    4,
    4,
    3,
    3,
    3,
    2,
    2,
    3,
    3,
    4,
    4,
    3,
]
TITLES = {
    "summit": ["President", "Prime Minister"],
    "foreign_ministers": ["Minister for Foreign Affairs", "Foreign Minister"],
    "senior_officials": ["Vice Minister", "Director-General"],
    "multilateral_summit": ["President", "Prime Minister", "Chancellor"],
    "other": ["Special Envoy"],
}
TOPICS = [
    "trade",
    "security",
    "north-korea",
    "climate",
    "critical-minerals",
    "energy",
    "maritime-security",
    "export-controls",
    "historical-issues",
    "supply-chains",
    "ukraine",
    "gaza",
    "semiconductors",
    "tourism",
    "fisheries",
    "health",
]
GIVEN = [
    "Aki",
    "Min-ho",
    "John",
    "Wei",
    "Claire",
    "Pierre",
    "Anna",
    "Ravi",
    "Olivia",
    "Noah",
    "Sofia",
    "Lucas",
    "Dewi",
    "Linh",
    "Maria",
    "Chai",
    "Aisha",
    "Tomas",
    "Kemal",
    "Omar",
]
FAMILY = [
    "Tanaka",
    "Lee",
    "Smith",
    "Wang",
    "Martin",
    "Dubois",
    "Schmidt",
    "Sharma",
    "Brown",
    "Rossi",
    "Silva",
    "Santoso",
    "Nguyen",
    "Garcia",
    "Suzuki",
    "Kim",
    "Park",
    "Novak",
    "Yilmaz",
    "Hassan",
]
# A vocabulary of a few hundred words, so that a search word matches a realistic share of the
# records (about 1.5% each), not a quarter of them.
_STEMS = [
    "cooperation", "dialogue", "partnership", "investment", "stability", "exchange",
    "resilience", "connectivity", "prosperity", "framework", "coordination", "security",
    "infrastructure", "education", "agriculture", "shipping", "aviation", "finance",
    "innovation", "digital", "space", "ocean", "forestry", "water", "migration", "culture",
    "sport", "science", "research", "youth", "labour", "customs", "tariffs", "railways",
    "ports", "pipelines", "satellites", "vaccines", "pandemics", "drought", "floods",
    "earthquakes", "refugees", "sanctions", "disarmament", "nonproliferation",
    "cybersecurity", "telecommunications", "batteries", "hydrogen",
]  # fmt: skip
# Made-up words fill the vocabulary to 200 distinct words.
_SYLLABLES = ["ka", "lo", "ri", "ven", "sa", "mor", "ti", "del", "na", "quo", "rus", "pel"]
WORDS = (
    _STEMS
    + [a + b + c for a in _SYLLABLES[:5] for b in _SYLLABLES[5:10] for c in _SYLLABLES[10:]][:150]
    + [f"{a}{b}" for a in _SYLLABLES for b in _SYLLABLES][: 200 - len(_STEMS) - 50]
)


def _person(rng: random.Random, state: str) -> dict:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    return {
        "id": f"{given}-{family}-{state}".lower(),
        "name": f"{given} {family}",
        "given_name": given,
        "family_name": family,
        "country": state,
    }


def meetings(n: int, seed: int = 1, first: int = 0):
    """Yield `n` meetings as dicts, numbered from `first`: the same seed and number always
    give the same meeting."""
    rng = random.Random(seed * 1_000_003 + first)
    start = dt.date(1950, 1, 1).toordinal()
    span = dt.date(2025, 12, 31).toordinal() - start
    sources = [
        {
            "id": f"synthetic-source-{i}",
            "publisher": f"Wire {i % 7}",
            "title": f"Report {i}",
            "url": None,
            "published_at": None,
            "seed_file": None,
            "sha256": None,
        }
        for i in range(1000)
    ]
    for i in range(first, first + n):
        kind = rng.choices(list(TITLES), weights=[40, 35, 10, 10, 5])[0]
        size = 3 if kind == "multilateral_summit" else 2
        parties = []
        while len(parties) < size:
            state = rng.choices(STATES, weights=WEIGHTS)[0]
            if state not in parties:
                parties.append(state)
        day = dt.date.fromordinal(start + rng.randrange(span))
        precision = rng.choices(["day", "month", "year"], weights=[85, 10, 5])[0]
        date = {"day": day.isoformat(), "month": day.isoformat()[:7], "year": day.isoformat()[:4]}[
            precision
        ]
        words = rng.sample(WORDS, 3)
        quote = f"The two sides agreed to deepen {words[0]} and {words[1]} in {words[2]}."
        topics = rng.sample(TOPICS, 2)
        yield {
            "id": f"synthetic-{i:07d}",
            "title": f"{' – '.join(parties)} {kind.replace('_', ' ')} on {words[0]}",
            "summary": f"Leaders discussed {words[0]}, {words[1]} and {words[2]}.",
            "type": kind,
            "format": rng.choices(["in_person", "phone", "video"], weights=[80, 15, 5])[0],
            "status": "held",
            "date": date,
            "date_precision": precision,
            "date_basis": "reported",
            "date_note": None,
            "start_time": None,
            "timezone": None,
            "duration_minutes": rng.choice([None, 30, 45, 60, 90]),
            "duration_approximate": False,
            "location": None,
            "occasion": None,
            "parties": parties,
            "participants": [
                {
                    "person": _person(rng, state),
                    "country": state,
                    "title": rng.choice(TITLES[kind]),
                    "side": None,
                }
                for state in parties
            ],
            "agreed_points": [
                {
                    "kind": "agreement",
                    "text": f"Deepen {words[0]}.",
                    "topics": topics[:1],
                    "quote": quote,
                }
            ],
            "discussed": [{"text": f"Raised {words[2]}.", "topics": topics[1:], "quote": None}],
            "topics": topics,
            "sources": [rng.choice(sources)],
            "related": (
                [{"id": f"synthetic-{i - 1:07d}", "relation": "previous"}]
                if i and rng.random() < 0.1
                else []
            ),
        }


def write_ndjson(path, n: int, seed: int = 1, first: int = 0) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for meeting in meetings(n, seed, first):
            out.write(json.dumps(meeting, ensure_ascii=False) + "\n")
