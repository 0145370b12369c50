"""Search as a reader uses it: stemmed words, the web-search query language, relevance, and
where each meeting matched. Every test runs on both backends."""

import base64
import json
import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import assert_problem, count_queries, new_meeting

from api.queries import ranked

# Queries a reader of the seed articles would type, each with the meetings that must come
# among the first three (in any order) when the list is sorted by relevance, its default.
RELEVANCE = [
    ("evacuation", ["2024-09-06-jp-kr-summit"]),
    ("evacuating citizens in emergencies", ["2024-09-06-jp-kr-summit"]),
    ("critical minerals", ["2023-11-13-jp-cl-foreign-ministers-meeting"]),
    ("Chile", ["2023-11-13-jp-cl-foreign-ministers-meeting"]),
    ("martial law", ["2024-12-11-jp-kr-foreign-ministers-phone-call"]),
    ("Iwaya Cho phone call", ["2024-12-11-jp-kr-foreign-ministers-phone-call"]),
    ("Indo-Pacific dialogue", ["2024-12-11-jp-us-kr-trilateral-indo-pacific-dialogue"]),
    ("maritime security", ["2024-12-11-jp-us-kr-trilateral-indo-pacific-dialogue"]),
    ("Gaza humanitarian", ["2023-11-g7-foreign-ministers-meeting-tokyo"]),
    ("G7 foreign ministers", ["2023-11-g7-foreign-ministers-meeting-tokyo"]),
    (
        "Moon Abe Chengdu",
        ["2019-12-24-jp-kr-summit-chengdu", "2019-12-cn-jp-kr-trilateral-summit-chengdu"],
    ),
    ("Abe Shinzo", ["2019-12-24-jp-kr-summit-chengdu", "2018-09-jp-kr-summit-new-york"]),
    ("Keqiang Li", ["2019-12-cn-jp-kr-trilateral-summit-chengdu"]),
    ('"joint declaration"', ["1998-jp-kr-summit-joint-declaration"]),
    ("colonial rule apology", ["1998-jp-kr-summit-joint-declaration"]),
    ("Obuchi", ["1998-jp-kr-summit-joint-declaration"]),
    ("history textbooks", ["2001-jp-kr-summit"]),
    ("Yasukuni shrine", ["2002-03-jp-kr-summit-seoul"]),
    ("World Cup emperor", ["2002-jp-kr-world-cup-final-kim-emperor"]),
    ("Yokohama", ["2002-jp-kr-world-cup-final-kim-emperor"]),
    ("North Korean defectors", ["2002-07-01-jp-kr-summit-tokyo"]),
    ("New York General Assembly", ["2018-09-jp-kr-summit-new-york"]),
    ("APEC OR CPTPP", ["2023-11-apec-ministerial-meeting-san-francisco"]),
    ("Kishida Yoon -Seoul", []),  # every meeting of theirs is in Seoul: none is left
    ("summit -Chengdu -Seoul -Tokyo", ["1998-jp-kr-summit-joint-declaration"]),
    # A date's year and month's name are searched with the words.
    ("summit 2024", ["2024-09-06-jp-kr-summit"]),
    ("December 2024 phone talks", ["2024-12-11-jp-kr-foreign-ministers-phone-call"]),
    ("trilateral summit 2019", ["2019-12-cn-jp-kr-trilateral-summit-chengdu"]),
    # A possessive is the name alone, on both engines.
    ("Kishida's last visit", ["2024-09-06-jp-kr-summit"]),
    ("Moon's frank dialogue", ["2019-12-24-jp-kr-summit-chengdu"]),
    ("export curbs forced labor", ["2019-12-24-jp-kr-summit-chengdu"]),
    ("reparations to Korean laborers", ["2024-09-06-jp-kr-summit"]),
    ("asylum seekers repatriation", ["2002-07-01-jp-kr-summit-tokyo"]),
    ("Maritime Self-Defense Force", ["2023-11-13-jp-cl-foreign-ministers-meeting"]),
    ("Israeli-Palestinian", ["2023-11-13-jp-cl-foreign-ministers-meeting"]),
    ("Liberal Democratic Party leadership contest", ["2024-09-06-jp-kr-summit"]),
    ("exchanging military information", ["2019-12-24-jp-kr-summit-chengdu"]),
    ("defectors Beijing", ["2002-07-01-jp-kr-summit-tokyo"]),
    ("previous Moon-Abe summit", ["2018-09-jp-kr-summit-new-york"]),
    ("North Korean Russian military cooperation", ["2024-09-06-jp-kr-summit"]),
    ("G-7 Tokyo", ["2023-11-g7-foreign-ministers-meeting-tokyo"]),
    ("UN General Assembly", ["2018-09-jp-kr-summit-new-york"]),
    (
        "high-ranking officials Indo-Pacific",
        ["2024-12-11-jp-us-kr-trilateral-indo-pacific-dialogue"],
    ),
]


def ids(client, query: str) -> list[str]:
    body = client.get(f"/v1/meetings?limit=100&{query}").get_json()
    assert body["meta"]["total"] == len(body["data"])
    return [m["id"] for m in body["data"]]


def found(client, q: str, **extra) -> list[str]:
    query = "&".join(f"{k}={quote(str(v))}" for k, v in {"q": q, **extra}.items())
    return ids(client, query)


@pytest.mark.parametrize(("q", "first"), RELEVANCE, ids=[q for q, _ in RELEVANCE])
def test_a_readers_query_finds_its_meetings_first(client, q, first):
    results = found(client, q)
    assert set(first) <= set(results[:3]), results
    if not first:
        assert results == []


def test_relevance_is_the_default_with_q_and_weighs_titles_and_topics_above_the_text(client, auth):
    for meeting_id, title, summary in (
        ("quokka-body", "A meeting", "The ministers spoke of a quokka at length."),
        ("quokka-title", "The quokka meeting", "The ministers met."),
    ):
        body = new_meeting(id=meeting_id, title=title, summary=summary, date="2031-01-01")
        assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    assert found(client, "quokka") == ["quokka-title", "quokka-body"]
    assert found(client, "quokka", sort="relevance") == ["quokka-title", "quokka-body"]
    # Newest first, then by id, without q or when asked.
    assert found(client, "quokka", sort="-date") == ["quokka-body", "quokka-title"]


def test_words_are_stemmed(client, auth):
    body = new_meeting(id="stemmed", summary="The ministers negotiated over the islands.")
    assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    for q in ("negotiations", "negotiating", "negotiate", "island", "minister"):
        assert "stemmed" in found(client, q), q


def test_a_quoted_phrase_matches_its_words_in_order(client):
    in_order = set(found(client, '"joint declaration"'))
    assert "1998-jp-kr-summit-joint-declaration" in in_order
    either = set(found(client, "joint declaration"))
    assert in_order <= either
    assert found(client, '"declaration joint"') == []
    # An unclosed quote runs to the end.
    assert set(found(client, '"joint declaration')) == in_order


def test_or_matches_either_and_a_minus_leaves_out(client):
    yokohama, obuchi = set(found(client, "Yokohama")), set(found(client, "Obuchi"))
    assert yokohama and obuchi and not yokohama & obuchi
    assert set(found(client, "Yokohama OR Obuchi")) == yokohama | obuchi
    assert set(found(client, "Yokohama or Obuchi")) == yokohama | obuchi
    summits, chengdu = set(found(client, "summit")), set(found(client, "Chengdu"))
    assert chengdu and chengdu < summits | chengdu
    assert set(found(client, "summit -Chengdu")) == summits - chengdu
    assert set(found(client, 'summit -"Chengdu"')) == summits - chengdu
    # Only leaving out: every meeting but those.
    everything = set(ids(client, ""))
    assert set(found(client, "-Chengdu")) == everything - chengdu


def test_or_joins_the_terms_beside_it_not_everything_before_it(client):
    # "A B OR C" is A AND (B OR C) on both databases, as web search engines read it;
    # PostgreSQL's websearch_to_tsquery alone would read (A AND B) OR C.
    kamikawa, chile, chengdu = (set(found(client, q)) for q in ("Kamikawa", "Chile", "Chengdu"))
    assert kamikawa & chile and chengdu - kamikawa  # the two readings differ here
    assert set(found(client, "Kamikawa Chile OR Chengdu")) == kamikawa & (chile | chengdu)
    assert set(found(client, "Chengdu OR Chile Kamikawa")) == (chengdu | chile) & kamikawa


@pytest.mark.parametrize(
    ("q", "meeting", "word"),
    [
        # The text says "Russia"; a reader types the people's name.
        ("Russian military cooperation", "2024-09-06-jp-kr-summit", "Russia"),
        ("Chilean", "2023-11-13-jp-cl-foreign-ministers-meeting", "Chile"),
        # ...and the other way round: the text says "Korean".
        ("Korea Times", "2018-09-jp-kr-summit-new-york", "Korea"),
        ("G-7", "2023-11-g7-foreign-ministers-meeting-tokyo", "G7"),
        ("UN General Assembly", "2018-09-jp-kr-summit-new-york", "U"),
        ("Sept 2024 summit", "2024-09-06-jp-kr-summit", "09"),  # the month of its date
        ("PM Kishida", "2024-09-06-jp-kr-summit", "Prime"),
    ],
)
def test_a_word_written_another_way_finds_and_marks_what_the_record_says(client, q, meeting, word):
    items = {item["id"]: item for item in found_items(client, q)}
    assert meeting in list(items)[:3], list(items)
    snippets = " ".join(m["snippet"] for m in items[meeting]["matches"])
    assert f"<mark>{word}</mark>" in snippets, snippets


def test_a_word_written_another_way_never_becomes_a_letter_or_a_number_alone(client, auth):
    # "U.S." would be the letter "u" (its "s" a stop word), as in "U.N.": not among American's.
    assert "2018-09-jp-kr-summit-new-york" not in found(client, "American")
    # "a2" as the phrase "a 2" would be the number alone ("a" a stop word).
    body = new_meeting(id="round-two", summary="They held round 2 of the talks.")
    assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    assert "round-two" in found(client, "round 2")
    assert found(client, "a2") == found(client, "s2") == []


def test_diacritics_fold_and_names_match_in_either_order(client, auth):
    assert found(client, "Tōkyō") == found(client, "Tokyo") != []
    body = new_meeting(id="kyoto-talks", summary="They met at Kyōto's Shōkokuji.")
    assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    assert found(client, "Kyoto shokokuji") == ["kyoto-talks"]
    for given_first, family_first in (
        ("Jae-in Moon", "Moon Jae-in"),
        ("Dae-jung Kim", "Kim Dae-jung"),
        ("Keqiang Li", "Li Keqiang"),
        ("Shinzo Abe", "Abe Shinzo"),
    ):
        assert set(found(client, given_first)) == set(found(client, family_first)) != set()


@pytest.mark.parametrize(
    "q",
    [
        '"unbalanced',
        '""',
        '" "',
        "-",
        "- -",
        "--x",
        "OR",
        "OR OR",
        "a OR",
        "OR summit",
        "NEAR(summit Seoul)",
        "summit AND Seoul",
        "summit NOT Seoul",
        "title:summit",
        "^summit",
        "summit*",
        "(((",
        "'",
        "\\",
        "summit & | ! <-> :*",
        "the",
        "x OR -y",
        "%",
        "\u3000",
        "서울",
    ],
)
def test_malformed_queries_are_read_as_plain_words(client, q):
    response = client.get(f"/v1/meetings?q={quote(q)}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["meta"]["total"] == len(body["data"])


def test_engine_syntax_typed_as_text_is_words(client):
    # FTS5's and tsquery's operators are not operators here: only their words count.
    assert set(found(client, "NEAR(summit Seoul)")) == set(found(client, "near summit Seoul"))
    assert set(found(client, "summit AND Seoul")) == set(found(client, "summit Seoul"))
    assert set(found(client, "summit*")) == set(found(client, "summit"))


def test_sort_by_relevance_needs_q(client):
    assert_problem(client.get("/v1/meetings?sort=relevance"), 422, "sort")


def test_pages_by_relevance_walk_every_match_once_both_ways(client):
    everything = found(client, "summit")
    assert len(everything) > 3
    url, pages = "/v1/meetings?q=summit&limit=2", []
    while url:
        body = client.get(url).get_json()
        pages.append([m["id"] for m in body["data"]])
        url, back = body["links"]["next"], body["links"]["prev"]
    assert sum(pages, []) == everything
    seen = [pages[-1]]
    while back:
        body = client.get(back).get_json()
        seen.insert(0, [m["id"] for m in body["data"]])
        back = body["links"]["prev"]
    assert seen == pages


def test_a_relevance_cursor_whose_keys_are_not_a_score_day_and_id_is_a_422(client):
    for key in (["x", "2024-09-06", "a"], ["nan", "2024-09-06", "a"], ["1.5", "day", "a"]):
        state = {"d": "next", "s": "relevance", "k": key}
        cursor = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
        assert_problem(client.get(f"/v1/meetings?q=summit&cursor={cursor}"), 422, "cursor")


def pointer(record: dict, path: str):
    value = record
    for part in path.strip("/").split("/"):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def marked(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


@pytest.mark.parametrize(
    "q",
    [
        "evacuation",
        "Kishida Yoon",
        '"joint declaration"',
        "Tokyo -summit",
        "minerals",
        "December 2024",
    ],
)
def test_each_match_says_where_with_marked_words_at_the_right_offsets(client, q):
    articles = Path(os.environ.get("MEETINGS_ARTICLES_DIR") or Path.cwd().parent / "shared/seeds")
    listed = client.get(f"/v1/meetings?limit=100&q={quote(q)}").get_json()["data"]
    assert listed
    for item in listed:
        assert item["matches"], item["id"]
        record = client.get(f"/v1/meetings/{item['id']}").get_json()
        assert "matches" not in record
        for match in item["matches"]:
            text = pointer(record, match["field"])
            words = [text[a:b] for a, b in match["offsets"]]
            assert words and all(re.fullmatch(r"\w+", w) for w in words)
            # The snippet is the field's text (or a part of it), the words marked in place.
            plain = match["snippet"].replace("<mark>", "").replace("</mark>", "").strip("…")
            assert plain in text
            assert marked(match["snippet"]) and set(marked(match["snippet"])) <= set(words)
            if "evidence" in match:
                assert match["field"].endswith("/quote")
                source = next(
                    s for s in record["sources"] if s["id"] == match["evidence"]["source"]
                )
                article = (articles / source["seed_file"]).read_text(encoding="utf-8")
                start, end = match["evidence"]["start"], match["evidence"]["end"]
                assert article[start:end] == text
                assert [article[a:b] for a, b in match["evidence"]["offsets"]] == words


def test_a_date_is_found_by_its_year_and_its_months_name_and_marked_there(client):
    listed = found_items(client, "november 2023")
    assert {m["date"][:7] for m in listed} == {"2023-11"}
    assert {m["id"] for m in listed} >= {
        "2023-11-13-jp-cl-foreign-ministers-meeting",
        "2023-11-g7-foreign-ministers-meeting-tokyo",
    }
    for item in listed:
        (date,) = [m for m in item["matches"] if m["field"] == "/date"]
        assert date["offsets"] == [[0, 4], [5, 7]]
        assert marked(date["snippet"]) == ["2023", "11"]
    # A month's name alone finds that month of any year, and a year alone only its meetings.
    assert {m["date"][5:7] for m in found_items(client, "September")} == {"09"}
    assert {m["date"][:4] for m in found_items(client, "1998")} == {"1998"}


def test_a_quote_match_gives_where_its_words_stand_in_the_article(client):
    item = found_items(client, "evacuating")[0]
    quoted = [m for m in item["matches"] if m["field"].endswith("/quote")]
    assert quoted and all("evidence" in m for m in quoted)


def found_items(client, q: str) -> list[dict]:
    return client.get(f"/v1/meetings?limit=100&q={quote(q)}").get_json()["data"]


def test_ndjson_carries_matches_and_csv_does_not(client):
    lines = client.get("/v1/meetings?q=evacuation", headers={"Accept": "application/x-ndjson"})
    records = [json.loads(line) for line in lines.get_data(as_text=True).splitlines()]
    assert [r["id"] for r in records] == found(client, "evacuation")
    assert all(r["matches"] for r in records)
    assert records[0]["matches"] == found_items(client, "evacuation")[0]["matches"]
    csv = client.get("/v1/meetings?q=evacuation", headers={"Accept": "text/csv"})
    assert "matches" not in csv.get_data(as_text=True).splitlines()[0]
    # Without q there is nothing to show.
    assert all("matches" not in m for m in client.get("/v1/meetings").get_json()["data"])


def walk_pages(client, url: str) -> list[str]:
    found = []
    while url:
        body = client.get(url).get_json()
        found += [m["id"] for m in body["data"]]
        url = body["links"]["next"]
    return found


def walk_back(client, url: str) -> list[str]:
    """Every page from the last back to the first, through `prev` links."""
    body = client.get(url).get_json()
    while body["links"]["next"]:
        body = client.get(body["links"]["next"]).get_json()
    found = [m["id"] for m in body["data"]]
    while body["links"]["prev"]:
        body = client.get(body["links"]["prev"]).get_json()
        found = [m["id"] for m in body["data"]] + found
    return found


def test_the_kept_best_of_a_longer_ranking_pages_on_into_the_database(client, monkeypatch):
    url = "/v1/meetings?q=summit%20OR%20minister&limit=2"
    monkeypatch.setattr(ranked, "MOST_KEPT", 0)  # every page ranked by the database
    ranked.RANKINGS.clear()
    whole = walk_pages(client, url)
    assert len(whole) > 7
    # A worker keeps the best five: pages within them, across their end and beyond it, either
    # way, are the database's.
    monkeypatch.setattr(ranked, "MOST_KEPT", 5)
    ranked.RANKINGS.clear()
    assert walk_pages(client, url) == whole
    # Within the kept best, a page is the kept order's: nothing is scored again.
    with count_queries() as statements:
        assert client.get(url).status_code == 200
    assert not [sql for sql in statements if "ts_rank_cd" in sql or "bm25" in sql]
    assert walk_back(client, url) == whole
    assert walk_pages(client, url.replace("limit=2", "limit=5")) == whole


def test_a_kept_ranking_pages_as_the_database_ranks_and_follows_writes(client, auth, monkeypatch):
    url = "/v1/meetings?q=summit%20OR%20minister&limit=2"
    kept = walk_pages(client, url)
    assert len(kept) > 4
    monkeypatch.setattr(ranked, "MOST_KEPT", 0)  # every page ranked by the database
    assert walk_pages(client, url) == kept
    monkeypatch.undo()
    body = new_meeting(id="summit-of-summits", title="The summit of summits", date="2031-01-01")
    assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    assert walk_pages(client, url)[0] == "summit-of-summits"
