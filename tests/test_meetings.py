"""GET /v1/meetings and /v1/meetings/{id}: filters, sorting, pagination, ETags, errors.

Expected results come from the seed files themselves, filtered in plain Python: an oracle
independent of the SQL under test.
"""

import base64
import json
import re
import unicodedata
from collections import defaultdict
from urllib.parse import quote

import pytest
import Stemmer
from conftest import assert_problem, count_queries, new_meeting
from peewee import fn

from api import db
from api.models import Meeting, MeetingTopic, Party, PartyPair
from api.queries import pages, search, totals
from api.queries.filters import count, matches
from api.queries.websearch import STOP_WORDS
from api.services.seeding import default_seed_files, read_seed_file
from schemas.common import MeetingArgs


@pytest.fixture(scope="module")
def seeded():
    meetings, people = [], {}
    for path in default_seed_files():
        data = read_seed_file(path)
        meetings += data["meetings"]
        people.update({p["id"]: p for p in data["people"]})
    return meetings, people


def walk(client, url):
    """Every record of a list, following `next` links to the end."""
    ids, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        ids += [m["id"] for m in body["data"]]
        url = body["links"]["next"]
        pages += 1
        assert pages < 100
    return ids


def ids_of(client, query):
    body = client.get(f"/v1/meetings?limit=100&{query}").get_json()
    assert body["meta"]["total"] == len(body["data"])
    return {m["id"] for m in body["data"]}


def test_list_shape_and_default_sort(client, seeded):
    meetings, _ = seeded
    response = client.get("/v1/meetings")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"data", "links", "meta"}
    assert body["meta"]["total"] == len(meetings)
    assert len(body["data"]) == min(20, len(meetings))
    expected = sorted(meetings, key=lambda m: m["id"])
    expected = sorted(expected, key=lambda m: m["date"].first_day, reverse=True)
    assert [m["id"] for m in body["data"]] == [m["id"] for m in expected][:20]


@pytest.mark.parametrize("sort", ["date", "-date"])
@pytest.mark.parametrize("limit", [1, 2, 3, 5, 100])
def test_pagination_walks_every_record_once_in_order(client, seeded, sort, limit):
    meetings, _ = seeded
    ids = walk(client, f"/v1/meetings?sort={sort}&limit={limit}")
    expected = sorted(meetings, key=lambda m: m["id"])
    expected = sorted(expected, key=lambda m: m["date"].first_day, reverse=sort == "-date")
    assert ids == [m["id"] for m in expected]


def test_prev_links_walk_back_to_the_first_page(client):
    first = client.get("/v1/meetings?limit=3").get_json()
    assert first["links"]["prev"] is None
    second = client.get(first["links"]["next"]).get_json()
    third = client.get(second["links"]["next"]).get_json()
    back = client.get(third["links"]["prev"]).get_json()
    assert [m["id"] for m in back["data"]] == [m["id"] for m in second["data"]]
    back_again = client.get(back["links"]["prev"]).get_json()
    assert [m["id"] for m in back_again["data"]] == [m["id"] for m in first["data"]]
    assert back_again["links"]["prev"] is None


def test_link_header_matches_links(client):
    response = client.get("/v1/meetings?limit=2&country=jp")
    body = response.get_json()
    assert response.headers["Link"] == f'<{body["links"]["next"]}>; rel="next"'
    assert "country=jp" in body["links"]["next"] and "limit=2" in body["links"]["next"]
    last = client.get("/v1/meetings?limit=100")
    assert "Link" not in last.headers


def test_country_filter_requires_every_listed_state(client, seeded):
    meetings, _ = seeded
    for query, codes in [
        ("country=JP", {"JP"}),
        ("country=kor", {"KR"}),
        ("country=JP&country=KR&country=US", {"JP", "KR", "US"}),
        ("country=CL&country=jpn", {"CL", "JP"}),
        ("country=JP&country=jpn", {"JP"}),
        ("country=KR&country=JP&country=KOR", {"JP", "KR"}),
    ]:
        expected = {m["id"] for m in meetings if codes <= set(m["parties"])}
        assert ids_of(client, query) == expected, query
        assert expected, query
        total = client.get(f"/v1/meetings?{query}&limit=1").get_json()["meta"]["total"]
        assert total == len(expected), query


def party_pairs(app) -> set[tuple]:
    with app.app_context(), db.db.connection_context():
        return {(p.meeting_id, p.country, p.other, str(p.date_first)) for p in PartyPair.select()}


def expected_pairs(app) -> set[tuple]:
    """Every ordered pair of each meeting's parties, with its first day, from party rows."""
    with app.app_context(), db.db.connection_context():
        parties = defaultdict(list)
        for meeting_id, country, first in (
            Party.select(Party.meeting, Party.country, Meeting.date_first).join(Meeting).tuples()
        ):
            parties[meeting_id, str(first)].append(country)
    return {
        (meeting_id, a, b, first)
        for (meeting_id, first), codes in parties.items()
        for a in codes
        for b in codes
        if a != b
    }


def test_party_pairs_follow_party_rows_whoever_writes_them(app):
    """The pairs are kept by triggers, so a writer that knows nothing of them (a server of
    an older version, during an upgrade) leaves them right too."""
    meeting_id = a_meeting_with_two_parties(app)
    with app.app_context(), db.db.connection_context(), db.db.atomic():
        first = Meeting.get_by_id(meeting_id).date_first
        Party.insert(meeting=meeting_id, country="ZA", position=9).execute()
        Meeting.update(date_first=first.replace(year=first.year - 1)).where(
            Meeting.id == meeting_id
        ).execute()
    pairs = party_pairs(app)
    assert {p for p in pairs if p[0] == meeting_id and "ZA" in p[1:3]}
    assert pairs == expected_pairs(app)
    with app.app_context(), db.db.connection_context(), db.db.atomic():
        Party.delete().where((Party.meeting == meeting_id) & (Party.country == "ZA")).execute()
    pairs = party_pairs(app)
    assert not {p for p in pairs if p[0] == meeting_id and "ZA" in p[1:3]}
    assert pairs == expected_pairs(app)


def test_filter_rows_written_without_their_day_get_it(app):
    """A server older than migration 0005 writes child rows without `date_first`; the
    database fills it in, so lists walking rows in date order still find the meeting."""
    meeting_id = a_meeting_with_two_parties(app)
    with app.app_context(), db.db.connection_context(), db.db.atomic():
        first = Meeting.get_by_id(meeting_id).date_first
        Party.insert(meeting=meeting_id, country="ZA", position=9).execute()
        MeetingTopic.insert(meeting=meeting_id, topic="an-old-servers-topic").execute()
        days = {
            Party.get(Party.meeting == meeting_id, Party.country == "ZA").date_first,
            MeetingTopic.get(
                MeetingTopic.meeting == meeting_id, MeetingTopic.topic == "an-old-servers-topic"
            ).date_first,
        }
    assert days == {first}
    client = app.test_client()
    assert meeting_id in ids_of(client, "country=ZA")
    assert meeting_id in ids_of(client, "topic=an-old-servers-topic")


def a_meeting_with_two_parties(app) -> str:
    with app.app_context(), db.db.connection_context():
        return next(
            meeting_id
            for meeting_id, count in Party.select(Party.meeting, fn.COUNT(Party.id))
            .group_by(Party.meeting)
            .tuples()
            if count == 2
        )


def test_party_pairs_follow_every_write(app, auth):
    client = app.test_client()
    assert party_pairs(app) == expected_pairs(app) != set()
    created = client.post(
        "/v1/meetings", json=new_meeting(id="three-way", parties=["JP", "KR", "US"]), headers=auth
    )
    assert created.status_code == 201, created.get_json()
    mine = {p for p in party_pairs(app) if p[0] == "three-way"}
    assert len(mine) == 6 and {p[3] for p in mine} == {"2025-01-10"}
    assert "three-way" in ids_of(client, "country=US&country=KR")
    changed = client.patch(
        "/v1/meetings/three-way",
        data=json.dumps({"parties": ["KR", "JP"], "date": "2025-02", "date_precision": "month"}),
        headers={
            **auth,
            "If-Match": created.headers["ETag"],
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert changed.status_code == 200, changed.get_json()
    assert {p for p in party_pairs(app) if p[0] == "three-way"} == {
        ("three-way", "JP", "KR", "2025-02-01"),
        ("three-way", "KR", "JP", "2025-02-01"),
    }
    assert "three-way" not in ids_of(client, "country=US&country=KR")
    assert "three-way" in ids_of(client, "country=KR&country=JP&from=2025-02&to=2025-02")
    assert party_pairs(app) == expected_pairs(app)
    gone = client.delete(
        "/v1/meetings/three-way", headers={**auth, "If-Match": changed.headers["ETag"]}
    )
    assert gone.status_code == 204
    assert not {p for p in party_pairs(app) if p[0] == "three-way"}
    assert party_pairs(app) == expected_pairs(app)


def test_person_filter(client, seeded):
    meetings, people = seeded
    for person in people:
        expected = {m["id"] for m in meetings if person in {p["person"] for p in m["participants"]}}
        assert ids_of(client, f"person={person}") == expected


@pytest.mark.parametrize(
    "query,start,end",
    [
        ("from=2019", "2019-01-01", "9999-12-31"),
        ("to=2002-06", "0001-01-01", "2002-06-30"),
        ("from=2018-09-15&to=2019-12-24", "2018-09-15", "2019-12-24"),
        ("from=2002-07-01&to=2002-07-01", "2002-07-01", "2002-07-01"),
        ("from=2023-11-20", "2023-11-20", "9999-12-31"),
        # The earliest dates there are: the lookback for long meetings stops at 0001-01-01.
        ("from=0001", "0001-01-01", "9999-12-31"),
        ("from=0001-01-01&to=0001-12", "0001-01-01", "0001-12-31"),
    ],
)
def test_date_range_matches_overlapping_partial_dates(client, seeded, query, start, end):
    meetings, _ = seeded
    expected = {
        m["id"]
        for m in meetings
        if m["date"].last_day.isoformat() >= start and m["date"].first_day.isoformat() <= end
    }
    assert ids_of(client, query) == expected


def test_partial_date_overlap_includes_month_precision_record(client, seeded):
    meetings, _ = seeded
    month_records = [m for m in meetings if m["date"].precision == "month"]
    assert month_records
    record = month_records[0]
    day = record["date"].first_day.replace(day=15).isoformat()
    assert record["id"] in ids_of(client, f"from={day}&to={day}")


@pytest.mark.parametrize("name", ["type", "format", "status"])
def test_enum_filters(client, seeded, name):
    meetings, _ = seeded
    for value in {m[name] for m in meetings}:
        expected = {m["id"] for m in meetings if m[name] == value}
        assert ids_of(client, f"{name}={value}") == expected


def test_location_country_and_topic_filters(client, seeded):
    meetings, _ = seeded
    for code in {m["location"]["country"] for m in meetings if m["location"]}:
        expected = {m["id"] for m in meetings if m["location"] and m["location"]["country"] == code}
        assert ids_of(client, f"location_country={code.lower()}") == expected
    for topic in {t for m in meetings for t in m["topics"]}:
        expected = {
            m["id"]
            for m in meetings
            if topic in m["topics"]
            or any(topic in p["topics"] for p in m["agreed_points"] + m["discussed"])
        }
        assert ids_of(client, f"topic={topic}") == expected


def searchable(document: dict) -> list[str]:
    """The texts `q` looks in, read off the meeting as a GET shows it: title, topics, summary,
    occasion, points, quotes, participants' names and titles, places, parties' names, and
    the sources' titles and publishers."""
    texts = [document["title"], *document["topics"], document["summary"]]
    texts.append(document["occasion"] or "")
    for point in document["agreed_points"] + document["discussed"]:
        texts += [point["text"], point["quote"] or ""]
    for participant in document["participants"]:
        texts += [participant["person"]["name"], participant["title"] or ""]
    location = document["location"] or {}
    texts += [location.get(part) or "" for part in ("venue", "city", "region")]
    texts += [party["name"] for party in document["parties"]]
    texts += [s[part] or "" for s in document["sources"] for part in ("title", "publisher")]
    return texts


def stems(text: str, backend: str) -> set[str]:
    """The stems of a text's words as the backend's index keeps them: diacritics folded,
    Porter's stems on SQLite, Snowball's English on PostgreSQL."""
    stemmer = Stemmer.Stemmer("english" if backend == "postgresql" else "porter")
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return set(stemmer.stemWords(re.findall(r"\w+", folded)))


def search_oracle(client, backend: str, q: str) -> set[str]:
    """The meetings holding every word of `q` (but stop words), as stems."""
    documents = client.get("/v1/meetings?limit=100").get_json()["data"]
    wanted = stems(
        " ".join(w for w in re.findall(r"\w+", q.lower()) if w not in STOP_WORDS), backend
    )
    return {
        d["id"] for d in documents if wanted and wanted <= stems(" ".join(searchable(d)), backend)
    }


@pytest.mark.parametrize(
    "q",
    [
        "Kishida",
        "kishida yoon",
        "evacuation",
        "evacuating",
        "Japan–South",
        "Cho Tae-yul",
        "Tae-yul Cho",
        "copper lithium",
        "APEC",
        "Obuchi",
        "maritime",
        "martial law",
        "minerals",
        "Foreign Minister",
        "Yomiuri",
        "San Francisco",
        "zzyzx-no-such-word",
    ],
)
def test_text_search_covers_every_field_a_reader_searches(client, backend, seeded, q):
    expected = search_oracle(client, backend, q)
    assert ids_of(client, f"q={quote(q)}") == expected
    if q != "zzyzx-no-such-word":
        assert expected, q


def test_search_finds_a_quote_word_and_a_participant_name(client, backend, seeded):
    meetings, people = seeded
    quoted = next(p["quote"] for m in meetings for p in m["agreed_points"])
    word = max(re.findall(r"\w+", quoted), key=len)
    family = people[meetings[0]["participants"][0]["person"]]["family_name"]
    for q in (word, family):
        assert ids_of(client, f"q={quote(q)}") == search_oracle(client, backend, q) != set()


def test_search_words_all_match_and_punctuation_is_not_syntax(client):
    for q in ("%25", "_", "%22", "*", "AND", "(", "-", "NEAR(a", "a:b", "^x", "OR"):
        assert client.get(f"/v1/meetings?q={q}").status_code == 200, q
    assert ids_of(client, "q=%25") == set()
    assert ids_of(client, "q=%22kishida%22") == ids_of(client, "q=kishida")
    both = ids_of(client, "q=Kishida Yoon")
    assert both and both == ids_of(client, "q=kishida") & ids_of(client, "q=yoon")


def test_filters_combine(client, seeded):
    meetings, _ = seeded
    expected = {
        m["id"]
        for m in meetings
        if {"JP", "KR"} <= set(m["parties"])
        and m["type"] == "summit"
        and m["date"].last_day.isoformat() >= "2000-01-01"
    }
    assert expected
    assert ids_of(client, "country=JP&country=KR&type=summit&from=2000-01-01") == expected


@pytest.mark.parametrize(
    "query,names",
    [
        ("limit=0", ["limit"]),
        ("limit=101", ["limit"]),
        ("limit=ten", ["limit"]),
        ("country=XX", ["country"]),
        ("country=JP&country=ZZZ", ["country"]),
        ("from=2020-13", ["from"]),
        ("to=2020-02-30", ["to"]),
        ("from=2021&to=2020", ["from"]),
        ("type=party", ["type"]),
        ("format=carrier-pigeon", ["format"]),
        ("status=done", ["status"]),
        ("sort=title", ["sort"]),
        ("location_country=Narnia", ["location_country"]),
        ("cursor=not-a-cursor", ["cursor"]),
        ("limit=0&sort=x&country=XX", ["limit", "sort", "country"]),
    ],
)
def test_bad_parameters_are_422_naming_each(client, query, names):
    assert_problem(client.get(f"/v1/meetings?{query}"), 422, *names)


def test_unknown_parameters_are_ignored(client):
    plain = client.get("/v1/meetings?limit=5").get_json()
    extra = client.get("/v1/meetings?limit=5&colour=blue").get_json()
    assert [m["id"] for m in extra["data"]] == [m["id"] for m in plain["data"]]


def test_cursor_of_another_sort_is_rejected(client):
    body = client.get("/v1/meetings?limit=2&sort=date").get_json()
    cursor = body["links"]["next"].split("cursor=")[1]
    assert_problem(client.get(f"/v1/meetings?sort=-date&cursor={cursor}"), 422, "cursor")
    forged = base64.urlsafe_b64encode(json.dumps({"d": "next", "s": "-date", "k": [1]}).encode())
    assert_problem(client.get(f"/v1/meetings?cursor={forged.decode()}"), 422, "cursor")


def test_page_is_fetched_in_a_fixed_number_of_queries(client):
    totals.TOTALS.clear()
    with count_queries() as one:
        assert len(client.get("/v1/meetings?limit=1").get_json()["data"]) == 1
    totals.TOTALS.clear()
    with count_queries() as many:
        assert len(client.get("/v1/meetings?limit=100").get_json()["data"]) > 5
    assert len(one) == len(many) <= 4
    # With the total already counted for this state of the data, one query fewer.
    with count_queries() as cached:
        client.get("/v1/meetings?limit=100")
    assert len(cached) == len(many) - 1


@pytest.mark.parametrize(
    "query",
    [
        "country=JP",
        "country=JP&country=KR&from=2000-01-01",
        "q=summit",
        "q=summit&to=2020",
        "topic=japan-south-korea-relations&type=summit",
    ],
)
def test_filtered_pages_take_a_fixed_number_of_queries(client, query):
    """Once the totals are counted for this state of the data, a page of any size costs the
    same few queries: the data version, then the page (a search reads its index, then the
    meetings it found)."""
    client.get(f"/v1/meetings?{query}&limit=1")
    with count_queries() as one:
        assert len(client.get(f"/v1/meetings?{query}&limit=1").get_json()["data"]) == 1
    with count_queries() as many:
        assert len(client.get(f"/v1/meetings?{query}&limit=100").get_json()["data"]) > 1
    assert len(one) == len(many) <= 3


def test_totals_stay_exact_across_writes(client, auth):
    before = client.get("/v1/meetings?country=KR&limit=1").get_json()["meta"]["total"]
    assert client.get("/v1/meetings?country=KR&limit=1").get_json()["meta"]["total"] == before
    created = client.post("/v1/meetings", json=new_meeting(), headers=auth)
    assert created.status_code == 201
    after = client.get("/v1/meetings?country=KR&limit=1").get_json()["meta"]["total"]
    assert after == before + 1
    tag = created.headers["ETag"]
    gone = client.delete(
        f"/v1/meetings/{created.get_json()['id']}", headers={**auth, "If-Match": tag}
    )
    assert gone.status_code == 204
    assert client.get("/v1/meetings?country=KR&limit=1").get_json()["meta"]["total"] == before


def test_get_one_has_etag_and_304(client, seeded):
    meetings, _ = seeded
    meeting_id = meetings[0]["id"]
    response = client.get(f"/v1/meetings/{meeting_id}")
    assert response.status_code == 200
    tag = response.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and not tag.startswith("W/")
    assert response.get_json()["id"] == meeting_id
    again = client.get(f"/v1/meetings/{meeting_id}", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.headers["ETag"] == tag
    assert again.get_data() == b""
    listed = client.get(f"/v1/meetings/{meeting_id}", headers={"If-None-Match": f'"x", {tag}'})
    assert listed.status_code == 304
    stale = client.get(f"/v1/meetings/{meeting_id}", headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200


def test_etag_differs_between_records(client, seeded):
    meetings, _ = seeded
    tags = {client.get(f"/v1/meetings/{m['id']}").headers["ETag"] for m in meetings}
    assert len(tags) == len(meetings)


def test_unknown_meeting_is_404_problem(client):
    body = assert_problem(client.get("/v1/meetings/no-such-meeting"), 404)
    assert "no-such-meeting" in body["detail"]


def test_record_has_every_contract_field(client, seeded):
    meetings, _ = seeded
    document = client.get(f"/v1/meetings/{meetings[0]['id']}").get_json()
    assert list(document) == [
        "id",
        "title",
        "summary",
        "type",
        "format",
        "status",
        "date",
        "date_precision",
        "date_basis",
        "date_note",
        "start_time",
        "timezone",
        "starts_at",
        "duration_minutes",
        "duration_approximate",
        "location",
        "occasion",
        "parties",
        "participants",
        "agreed_points",
        "discussed",
        "topics",
        "sources",
        "related",
        "evidence",
        "aliases",
        "created_at",
        "updated_at",
        "revision",
    ]
    assert document["revision"] == 1
    assert document["created_at"].endswith("Z") and document["updated_at"].endswith("Z")
    assert all(
        set(s) == {"id", "publisher", "title", "kind", "url", "published_at", "seed_file"}
        for s in document["sources"]
    )
    assert document["sources"]


def test_related_links_show_on_both_records(client, seeded):
    meetings, _ = seeded
    inverse = {
        "previous": "follow_up",
        "follow_up": "previous",
        "same_occasion": "same_occasion",
        "parent": "child",
    }
    links = [(m["id"], r["id"], r["relation"]) for m in meetings for r in m["related"]]
    assert links
    for source, target, relation in links:
        there = client.get(f"/v1/meetings/{source}").get_json()["related"]
        back = client.get(f"/v1/meetings/{target}").get_json()["related"]
        assert {"id": target, "relation": relation} in there
        assert {"id": source, "relation": inverse[relation]} in back


# Every list parameter, as the benchmark's sweep (bench.sweep) takes them.
EVERY_FILTER = [
    "country=KR",
    "person=yoko-kamikawa",
    "from=2019",
    "to=2019",
    "type=summit",
    "format=phone",
    "status=held",
    "location_country=JP",
    "topic=north-korea",
    "q=minister",
    "updated_since=2000-01-01T00:00:00Z",
    "sort=date",
    "sort=-date",
]


@pytest.mark.parametrize("query", EVERY_FILTER[1:])
def test_each_filter_with_a_country_selects_what_both_select(client, query):
    """Paired with `country`, a filter is driven by one of the two indexes and checks the
    other row by row: the meetings are those that each selects."""
    both = ids_of(client, f"{query}&country=JP")
    assert both and both == ids_of(client, query) & ids_of(client, "country=JP")


@pytest.mark.parametrize("query", EVERY_FILTER + [f"{q}&country=JP" for q in EVERY_FILTER])
def test_a_page_runs_the_same_statements_whatever_the_filter(client, query):
    """Once its totals are counted for this state of the data, any filter's page is two
    statements: the data's version, and the page itself."""
    first = client.get(f"/v1/meetings?{query}&limit=3")
    assert first.status_code == 200
    with count_queries() as statements:
        body = client.get(f"/v1/meetings?{query}&limit=3").get_json()
    assert body == first.get_json() and body["meta"]["total"] > 0
    assert len(statements) == 2, statements


@pytest.mark.parametrize(
    "query",
    [
        "country=JP",
        "country=JP&country=KR&from=2000-01-01",
        "country=JP&country=KR&country=US",
        "country=KR&country=JP&topic=japan-south-korea-relations",
        "q=japan",
        "q=kishida yoon",
        "person=dae-jung-kim&to=2002",
        "topic=japan-south-korea-relations&type=summit",
        "country=KR&q=summit&from=2019-12",
        "location_country=us",
        "type=summit",
        "format=phone",
        "status=held",
        "updated_since=2000-01-01T00:00:00Z",
        "format=in_person&country=KR",
        "q=minister&country=JP",
        "q=japan&from=2019&type=summit",
    ],
)
def test_both_query_shapes_select_the_same_meetings(app, query):
    """A page is found either by walking dates (every meeting's, one filter value's rows, or
    SQLite's search index) or by sorting the filters' matches, whichever is cheaper for the
    numbers at hand; every shape must give the same records as many as the count, in date
    then id order, page after page."""
    raw = {}
    for pair in query.split("&"):
        name, value = pair.split("=")
        raw.setdefault(name, []).append(value)
    repeatable = ("country", "topic")
    args = MeetingArgs().load({k: v if k in repeatable else v[0] for k, v in raw.items()})
    args.pop("limit"), args.pop("sort")
    with app.app_context():
        total, values = count(args), tuple(matches(args))
        assert total
        shapes = [pages.Plan(total, walk, None, 0, values) for walk in (False, True)]
        shapes += [pages.Plan(total, True, match, 0, values) for match in values]
        if search.searchable_by_date(args):  # SQLite's search index, in date order
            shapes.append(pages.Plan(total, True, None, 0, values, search=True))
        for descending in (True, False):
            results = []
            for plan in shapes:
                found, after = [], None
                while True:
                    rows = pages.page_rows(
                        args, plan, descending=descending, forward=True, after=after, limit=2
                    )
                    found += [(str(row[1]), row[0]) for row in rows]
                    if len(rows) < 2:
                        break
                    after = [str(rows[-1][1]), rows[-1][0]]
                results.append(found)
            expected = sorted(results[0], key=lambda r: r[1])
            expected.sort(key=lambda r: r[0], reverse=descending)
            assert len(expected) == total
            assert all(found == expected for found in results), descending


def test_walking_shape_is_used_when_matches_are_many():
    walk_dates = pages.walk_dates
    assert walk_dates(27_000, 100_000) and walk_dates(15_000, 1_000_000)
    assert walk_dates(162, 10_000) and walk_dates(5, 14)
    assert not walk_dates(20, 1_000_000) and not walk_dates(0, 100_000)


def test_search_pages_keep_date_then_id_order_within_a_day(client, auth):
    """Search reads its index in date order, but the index orders a day's meetings by rowid:
    meetings of one day, created in the reverse of their id order, must still come out by
    id, across pages, both ways, and with `to`."""
    # More meetings on one day than two pages hold: the index must be read on past it.
    days = ["2031-05-05", *["2031-05-04"] * 7, "2031-05-03", "2031-05-04"]
    ids = {f"zephyrword-{n}": day for n, day in enumerate(days)}
    for meeting_id in reversed(ids):
        body = new_meeting(id=meeting_id, date=ids[meeting_id], summary="A zephyrword meeting.")
        assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    oldest_first = sorted(ids, key=lambda i: (ids[i], i))
    newest_first = sorted(ids, key=lambda i: (-int(ids[i].replace("-", "")), i))
    for sort, expected in (("-date", newest_first), ("date", oldest_first)):
        url, pages = f"/v1/meetings?q=zephyrword&limit=2&sort={sort}", []
        while url:
            body = client.get(url).get_json()
            pages.append([m["id"] for m in body["data"]])
            url, back = body["links"]["next"], body["links"]["prev"]
        assert sum(pages, []) == expected
        # And back from the last page to the first through the `prev` links.
        seen = [pages[-1]]
        while back:
            body = client.get(back).get_json()
            seen.insert(0, [m["id"] for m in body["data"]])
            back = body["links"]["prev"]
        assert seen == pages
    up_to = walk(client, "/v1/meetings?q=zephyrword&limit=2&to=2031-05-04")
    assert up_to == [i for i in newest_first if ids[i] <= "2031-05-04"]


@pytest.mark.parametrize(
    "key",
    [["not-a-day", "x"], [20240906, "x"], ["2024-09-06", 7], ["2024-09-06", "x\ud800"]],
)
def test_a_cursor_whose_keys_are_not_a_day_and_an_id_is_a_422(client, key):
    state = {"d": "next", "s": "-date", "k": key}
    cursor = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
    for query in ("", "&q=summit", "&country=JP"):
        response = client.get(f"/v1/meetings?cursor={cursor}{query}")
        assert_problem(response, 422, "cursor")
