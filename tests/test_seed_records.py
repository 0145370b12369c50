"""The hand-mapped seed records carry what their source articles state, read through the API."""

import hashlib
import os
from pathlib import Path

import pytest
import yaml

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
SEED_FILES = sorted(SEEDS_DIR.glob("*.yaml"))

G7 = {"CA", "DE", "FR", "GB", "IT", "JP", "US"}


def fetch(client, meeting_id: str) -> dict:
    resp = client.get(f"/v1/meetings/{meeting_id}")
    assert resp.status_code == 200, f"GET {meeting_id}: {resp.status_code}"
    return resp.get_json()


def when(meeting: dict) -> tuple:
    return meeting["date"], meeting["date_precision"], meeting["date_basis"]


def party_codes(meeting: dict) -> set[str]:
    return {p["country"] for p in meeting["parties"]}


def roles(meeting: dict) -> dict[str, tuple]:
    """Each participant's (country, title, side), by person id."""
    return {
        p["person"]["id"]: (p["country"], p["title"], p["side"]) for p in meeting["participants"]
    }


def names(meeting: dict) -> dict[str, str]:
    return {p["person"]["id"]: p["person"]["name"] for p in meeting["participants"]}


def links(meeting: dict) -> set[tuple[str, str]]:
    return {(r["id"], r["relation"]) for r in meeting["related"]}


def place(meeting: dict) -> tuple | None:
    loc = meeting["location"]
    return loc and (loc["venue"], loc["city"], loc["region"], loc["country"])


def kinds(meeting: dict) -> list[str]:
    return [p["kind"] for p in meeting["agreed_points"]]


def source(meeting: dict) -> dict:
    assert len(meeting["sources"]) == 1
    return meeting["sources"][0]


def no_clock(meeting: dict) -> bool:
    return (meeting["start_time"], meeting["timezone"], meeting["starts_at"]) == (None, None, None)


# --- 000: Iwaya–Cho phone call, Yomiuri, 12:40 JST 12 December 2024 ----------------------

PHONE_CALL = "2024-12-11-jp-kr-foreign-ministers-phone-call"
INDO_PACIFIC = "2024-12-11-jp-us-kr-trilateral-indo-pacific-dialogue"


def test_000_phone_call_on_wednesday_before_the_article(client):
    m = fetch(client, PHONE_CALL)
    assert when(m) == ("2024-12-11", "day", "inferred")
    assert "Wednesday" in m["date_note"]
    assert (m["type"], m["format"], m["status"]) == ("foreign_ministers", "phone", "held")
    assert m["location"] is None and no_clock(m) and m["duration_minutes"] is None
    assert party_codes(m) == {"JP", "KR"}
    assert roles(m) == {
        "takeshi-iwaya": ("JP", "Foreign Minister", None),
        "cho-tae-yul": ("KR", "Foreign Minister", None),
    }
    assert names(m) == {"takeshi-iwaya": "Takeshi Iwaya", "cho-tae-yul": "Cho Tae-yul"}
    # The article says only "on the same day": no link between the two.
    assert links(m) == set()
    assert sorted(kinds(m)) == ["agreement", "commitment", "shared_view"]
    assert any("martial-law" in d["topics"] for d in m["discussed"])
    src = source(m)
    assert src["seed_file"] == "000_53470c792a8d8faa.txt"
    assert src["published_at"] == "2024-12-12T03:40:00Z"


def test_000_indo_pacific_dialogue_same_day_in_tokyo(client):
    m = fetch(client, INDO_PACIFIC)
    assert when(m) == ("2024-12-11", "day", "inferred")
    assert (m["type"], m["format"], m["status"]) == ("senior_officials", "in_person", "held")
    assert place(m) == (None, "Tokyo", None, "JP")
    assert party_codes(m) == {"JP", "KR", "US"}
    assert m["participants"] == []  # the article names no official
    assert links(m) == set()
    assert any("maritime-security" in p["topics"] for p in m["agreed_points"])


# --- 001: Moon–Abe summit in Chengdu, Korea Times, posted 2019-12-24 ------------------------

CHENGDU = "2019-12-24-jp-kr-summit-chengdu"
TRILATERAL = "2019-12-cn-jp-kr-trilateral-summit-chengdu"
NEW_YORK = "2018-09-jp-kr-summit-new-york"
MOON = ("KR", "President")
ABE = ("JP", "Prime Minister")


def test_001_chengdu_summit_on_tuesday_at_a_third_country_venue(client):
    m = fetch(client, CHENGDU)
    assert when(m) == ("2019-12-24", "day", "inferred")
    assert (m["type"], m["format"], m["status"]) == ("summit", "in_person", "held")
    assert place(m) == (None, "Chengdu", None, "CN")
    assert party_codes(m) == {"JP", "KR"}
    assert roles(m) == {"moon-jae-in": (*MOON, None), "shinzo-abe": (*ABE, None)}
    assert names(m) == {"moon-jae-in": "Moon Jae-in", "shinzo-abe": "Shinzo Abe"}
    assert links(m) == {(TRILATERAL, "parent"), (NEW_YORK, "previous")}
    assert no_clock(m)
    src = source(m)
    assert src["seed_file"] == "001_b9bfcf4e5ab9e0c5.txt"
    assert src["publisher"] == "The Korea Times"


def test_001_trilateral_summit_with_li_keqiang(client):
    m = fetch(client, TRILATERAL)
    assert when(m) == ("2019-12", "month", "inferred")
    assert (m["type"], m["status"]) == ("multilateral_summit", "held")
    assert place(m) == (None, "Chengdu", None, "CN")
    assert party_codes(m) == {"CN", "JP", "KR"}
    assert roles(m) == {
        "li-keqiang": ("CN", "Premier", "host"),
        "moon-jae-in": (*MOON, "guest"),
        "shinzo-abe": (*ABE, "guest"),
    }
    assert names(m)["li-keqiang"] == "Li Keqiang"
    assert links(m) == {(CHENGDU, "child")}


def test_001_previous_summit_in_new_york_september_2018(client):
    m = fetch(client, NEW_YORK)
    assert when(m) == ("2018-09", "month", "inferred")
    assert place(m) == (None, "New York", None, "US")
    assert "General Assembly" in m["occasion"]
    assert roles(m) == {"moon-jae-in": (*MOON, None), "shinzo-abe": (*ABE, None)}
    assert links(m) == {(CHENGDU, "follow_up")}


# --- 002: Japan–Chile foreign ministers in San Francisco, MOFA -----------------------------

JP_CL = "2023-11-13-jp-cl-foreign-ministers-meeting"
APEC = "2023-11-apec-ministerial-meeting-san-francisco"
G7_TOKYO = "2023-11-g7-foreign-ministers-meeting-tokyo"
KAMIKAWA = ("JP", "Minister for Foreign Affairs")


def test_002_japan_chile_meeting_time_and_duration(client):
    m = fetch(client, JP_CL)
    assert when(m) == ("2023-11-13", "day", "inferred")
    assert (m["start_time"], m["timezone"]) == ("16:00", "America/Los_Angeles")
    # 4:00 p.m. PST on the 13th is 9:00 a.m. JST on the 14th, as the article says.
    assert m["starts_at"] == "2023-11-14T00:00:00Z"
    assert (m["duration_minutes"], m["duration_approximate"]) == (30, True)
    assert (m["type"], m["format"], m["status"]) == ("foreign_ministers", "in_person", "held")


def test_002_japan_chile_meeting_place_people_and_points(client):
    m = fetch(client, JP_CL)
    assert place(m) == (None, "San Francisco", None, "US")
    assert m["occasion"] == "APEC Ministerial Meeting 2023"
    assert party_codes(m) == {"JP", "CL"}
    assert {p["country"]: p["name"] for p in m["parties"]}["CL"] == "Chile"
    assert roles(m) == {
        "yoko-kamikawa": (*KAMIKAWA, None),
        "alberto-leo-van-klaveren-stork": ("CL", "Minister of Foreign Affairs", None),
    }
    assert names(m)["yoko-kamikawa"] == "Yoko Kamikawa"
    assert links(m) == {(APEC, "parent")}
    point_topics = {t for p in m["agreed_points"] for t in p["topics"]}
    assert {"critical-minerals", "cptpp", "russia-ukraine"} <= point_topics
    assert source(m)["published_at"] is None


def test_002_apec_ministerial_meeting_is_the_parent(client):
    m = fetch(client, APEC)
    assert when(m) == ("2023-11", "month", "inferred")
    # The text says only that she is visiting San Francisco "to attend" it.
    assert m["status"] == "scheduled"
    assert place(m) == (None, "San Francisco", None, "US")
    assert roles(m) == {"yoko-kamikawa": (*KAMIKAWA, None)}
    assert links(m) == {(JP_CL, "child")}


def test_002_g7_foreign_ministers_in_tokyo_and_outcome_document(client):
    m = fetch(client, G7_TOKYO)
    assert when(m) == ("2023-11", "month", "inferred")
    assert (m["type"], m["status"]) == ("foreign_ministers", "held")
    assert place(m) == (None, "Tokyo", None, "JP")
    assert party_codes(m) == G7
    assert roles(m) == {"yoko-kamikawa": (*KAMIKAWA, "host")}
    assert any("outcome document" in p["quote"] for p in m["agreed_points"])


# --- 003: Kishida–Yoon summit in Seoul, Sept. 6 (2024) -------------------------------------


def test_003_seoul_summit_hundred_minutes_at_the_presidential_office(client):
    m = fetch(client, "2024-09-06-jp-kr-summit")
    assert when(m) == ("2024-09-06", "day", "inferred")
    assert (m["type"], m["format"], m["status"]) == ("summit", "in_person", "held")
    assert (m["duration_minutes"], m["duration_approximate"]) == (100, False)
    assert place(m) == ("Presidential office", "Seoul", None, "KR")
    assert party_codes(m) == {"JP", "KR"}
    assert roles(m) == {
        "yoon-suk-yeol": ("KR", "President", "host"),
        "fumio-kishida": ("JP", "Prime Minister", "guest"),
    }
    assert names(m) == {"yoon-suk-yeol": "Yoon Suk-yeol", "fumio-kishida": "Fumio Kishida"}
    assert no_clock(m)
    assert m["related"] == []


def test_003_evacuation_cooperation_document_was_signed(client):
    m = fetch(client, "2024-09-06-jp-kr-summit")
    signed = [p for p in m["agreed_points"] if p["kind"] == "signed_document"]
    assert len(signed) == 1
    assert "evacuat" in signed[0]["quote"]
    assert "emergency-evacuation" in m["topics"]
    assert source(m)["seed_file"] == "003_fcbfd59b685d7abd.txt"
    # The text shows no headline, publisher or date: the source says so rather than guess.
    assert (source(m)["title"], source(m)["publisher"], source(m)["published_at"]) == (
        None,
        None,
        None,
    )


# --- 004: Korea Herald, Friday 28 June 2002, reposted on a forum ---------------------------

TOKYO_2002 = "2002-07-01-jp-kr-summit-tokyo"
OBUCHI_1998 = "1998-jp-kr-summit-joint-declaration"
SEOUL_2002 = "2002-03-jp-kr-summit-seoul"
SUMMIT_2001 = "2001-jp-kr-summit"
WORLD_CUP = "2002-jp-kr-world-cup-final-kim-emperor"
KIM = ("KR", "President")
KOIZUMI = ("JP", "Prime Minister")


def test_004_tokyo_summit_on_monday_is_scheduled(client):
    m = fetch(client, TOKYO_2002)
    assert when(m) == ("2002-07-01", "day", "inferred")
    assert "Monday" in m["date_note"]
    assert (m["type"], m["format"], m["status"]) == ("summit", "in_person", "scheduled")
    assert place(m) == (None, "Tokyo", None, "JP")
    assert roles(m) == {"junichiro-koizumi": (*KOIZUMI, "host"), "kim-dae-jung": (*KIM, "guest")}
    assert names(m)["kim-dae-jung"] == "Kim Dae-jung"
    assert m["agreed_points"] == []  # nothing agreed yet when the article was written
    assert links(m) == {(SEOUL_2002, "previous"), (SUMMIT_2001, "previous")}
    src = source(m)
    assert (src["publisher"], src["published_at"]) == ("The Korea Herald", "2002-06-28")


def test_004_kim_obuchi_summit_of_1998_signed_the_joint_declaration(client):
    m = fetch(client, OBUCHI_1998)
    assert when(m) == ("1998", "year", "reported")
    assert m["date_note"] is None
    assert m["location"] is None  # the article does not say where
    assert roles(m) == {
        "kim-dae-jung": (*KIM, None),
        "keizo-obuchi": ("JP", "Prime Minister", None),
    }
    assert "signed_document" in kinds(m)


def test_004_koizumi_visit_to_seoul_in_march(client):
    m = fetch(client, SEOUL_2002)
    assert when(m) == ("2002-03", "month", "inferred")
    assert place(m) == (None, "Seoul", None, "KR")
    assert roles(m) == {"kim-dae-jung": (*KIM, "host"), "junichiro-koizumi": (*KOIZUMI, "guest")}
    assert kinds(m) == ["agreement"]
    assert links(m) == {(TOKYO_2002, "follow_up")}


def test_004_last_years_summit_agreements(client):
    m = fetch(client, SUMMIT_2001)
    assert when(m) == ("2001", "year", "inferred")
    assert m["location"] is None
    assert links(m) == {(TOKYO_2002, "follow_up")}
    assert any("seven pending issues" in p["quote"] for p in m["agreed_points"])


def test_004_world_cup_final_with_the_emperor_in_yokohama(client):
    m = fetch(client, WORLD_CUP)
    # The forum reply is undated, so only the year is supported.
    assert when(m) == ("2002", "year", "inferred")
    assert (m["type"], m["status"]) == ("other", "held")
    assert place(m) == (None, "Yokohama", None, "JP")
    assert roles(m) == {
        "akihito": ("JP", "Emperor", "host"),
        "kim-dae-jung": (*KIM, "guest"),
    }
    # "the Tenno" in the reply: who that was is outside knowledge, and says so.
    assert names(m)["akihito"] == "Akihito"
    (person,) = [e for e in m["evidence"] if e["field"] == "/participants/0"]
    assert (person["basis"], person["exact"]) == ("outside_knowledge", "the Tenno")
    # The reply is its own source, not The Korea Herald's report.
    assert source(m)["kind"] == "forum_post"
    assert source(m)["publisher"] != "The Korea Herald"


# --- Quotes stand verbatim in their articles -----------------------------------------------


def fold(text: str) -> str:
    return " ".join(text.split())


def articles_dir() -> Path:
    where = os.environ.get("MEETINGS_ARTICLES_DIR")
    if not where or not Path(where).is_dir():
        pytest.skip("MEETINGS_ARTICLES_DIR is not set to a folder of articles")
    return Path(where)


@pytest.mark.parametrize("seed_path", SEED_FILES, ids=lambda p: p.name)
def test_every_quote_is_verbatim_in_its_article(seed_path):
    folder = articles_dir()
    data = yaml.safe_load(seed_path.read_text(encoding="utf-8"))
    for src in data.get("sources") or [data["source"]]:
        assert src["seed_file"] == f"{seed_path.stem}.txt"
        raw = (folder / src["seed_file"]).read_bytes()
        assert hashlib.sha256(raw).hexdigest() == src["sha256"]
    text = fold(raw.decode("utf-8"))
    quotes = [
        point["quote"]
        for meeting in data["meetings"]
        for point in meeting["agreed_points"] + meeting["discussed"]
        if point["quote"]
    ]
    assert quotes, "every article backs at least one point with a quote"
    missing = [q for q in quotes if fold(q) not in text]
    assert missing == []
