"""What the API echoes of a request: links from the public URL, never a client's Host; the query
as it was sent; and never an API key sent in the query string, in a link, a problem or the log.
"""

import json
import os
import secrets
import time
from pathlib import Path

import icalendar
import pytest
import requests
from conftest import assert_problem, new_meeting, serve
from test_access_log import access_lines

from api import create_app
from api.db import ConfigError
from api.http.public_url import served_at

EVIL = "evil.example"
LISTS = [
    "/v1/meetings?limit=1",  # answered beside Flask (api.reads)
    "/v1/countries?limit=1",
    "/v1/people?limit=1",
    "/v1/sources?limit=1",
    "/v1/topics?limit=1",
    "/v1/changes?limit=1",
]


def make_app(database_url, **settings):
    return create_app({"DATABASE_URL": database_url, "TESTING": True, **settings})


def urls_in(response) -> list[str]:
    """Every URL a list answer gives: its links, and those of its Link header."""
    links = [url for url in response.get_json()["links"].values() if url]
    header = response.headers.get("Link", "")
    return links + [part.split(">")[0].lstrip(" <") for part in header.split(",") if part]


def assert_nowhere(response, text: str):
    assert text not in response.get_data(as_text=True)
    assert not [value for _, value in response.headers.items() if text in value]


# --- Links and the Host header -----------------------------------------------------------------


@pytest.mark.parametrize("path", LISTS)
def test_with_nothing_configured_links_are_relative_and_never_name_the_host(client, path):
    response = client.get(path, headers={"Host": EVIL})
    assert response.status_code == 200
    assert response.get_json()["links"]["self"] == path
    assert all(url.startswith(path.partition("?")[0] + "?") for url in urls_in(response))
    assert_nowhere(response, EVIL)


def test_links_start_from_the_public_url(database_url):
    app = make_app(database_url, MEETINGS_PUBLIC_URL="https://api.example.org/meetings/")
    client = app.test_client()
    for path in LISTS:
        response = client.get(path, headers={"Host": EVIL})
        assert response.get_json()["links"]["self"] == "https://api.example.org/meetings" + path
        assert response.get_json()["links"]["next"], path
        assert all(
            url.startswith("https://api.example.org/meetings/v1/") for url in urls_in(response)
        )
        assert_nowhere(response, EVIL)
    # The next link leads on, through the prefix the proxy takes off.
    following = urls_in(client.get("/v1/meetings?limit=1"))[1]
    assert client.get(following.removeprefix("https://api.example.org/meetings")).status_code == 200


def test_a_created_meetings_location_is_under_the_public_prefix(database_url):
    app = make_app(database_url, MEETINGS_PUBLIC_URL="https://api.example.org/meetings")
    with app.app_context():
        from api import db
        from api.http.auth import create_key

        with db.db.connection_context():
            key = create_key("prefixed")
    created = app.test_client().post(
        "/v1/meetings",
        json=new_meeting(id="under-a-prefix"),
        headers={"Authorization": f"Bearer {key}", "Host": EVIL},
    )
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"] == "/meetings/v1/meetings/under-a-prefix"
    assert_nowhere(created, EVIL)


def test_a_trusted_proxy_names_the_scheme_and_host(database_url):
    client = make_app(database_url, MEETINGS_TRUSTED_PROXIES=1).test_client()
    # A client's own X-Forwarded-Host comes first; the proxy appends the one it answers for.
    headers = {
        "Host": EVIL,
        "X-Forwarded-Host": f"{EVIL}, api.example.net",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "198.51.100.1",
    }
    for path in LISTS:
        response = client.get(path, headers=headers)
        assert response.get_json()["links"]["self"] == "https://api.example.net" + path
        assert all(url.startswith("https://api.example.net/v1/") for url in urls_in(response))
        assert_nowhere(response, EVIL)


def test_x_forwarded_host_is_ignored_without_trusted_proxies(client):
    response = client.get("/v1/meetings?limit=1", headers={"X-Forwarded-Host": EVIL})
    assert response.get_json()["links"]["self"] == "/v1/meetings?limit=1"
    assert_nowhere(response, EVIL)


@pytest.mark.parametrize("forwarded", [f'{EVIL}/"><b', f"{EVIL}@x", "", f"{EVIL} x"])
def test_a_malformed_forwarded_host_gives_relative_links(database_url, forwarded):
    client = make_app(database_url, MEETINGS_TRUSTED_PROXIES=1).test_client()
    response = client.get("/v1/topics?limit=1", headers={"X-Forwarded-Host": forwarded})
    assert response.get_json()["links"]["self"] == "/v1/topics?limit=1"
    assert_nowhere(response, EVIL)


def test_a_public_url_outranks_what_proxies_forward(database_url):
    app = make_app(
        database_url, MEETINGS_PUBLIC_URL="https://api.example.org", MEETINGS_TRUSTED_PROXIES=1
    )
    response = app.test_client().get("/v1/topics?limit=1", headers={"X-Forwarded-Host": EVIL})
    assert response.get_json()["links"]["self"] == "https://api.example.org/v1/topics?limit=1"
    assert_nowhere(response, EVIL)


def test_the_docs_redirect_and_page_never_name_the_host(database_url, client):
    redirect = client.get("/docs", headers={"Host": EVIL})
    assert redirect.status_code == 308
    assert redirect.headers["Location"] == "/docs/"
    page = client.get("/docs/", headers={"Host": EVIL})
    assert page.status_code == 200
    assert_nowhere(page, EVIL)
    public = make_app(database_url, MEETINGS_PUBLIC_URL="https://api.example.org").test_client()
    redirect = public.get("/docs", headers={"Host": EVIL})
    assert redirect.headers["Location"] == "https://api.example.org/docs/"
    assert_nowhere(redirect, EVIL)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://api.example.org", "https://api.example.org"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("https://example.org/meetings/", "https://example.org/meetings"),
        ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
        ("", None),
    ],
)
def test_the_public_url_setting(database_url, value, expected):
    assert (
        make_app(database_url, MEETINGS_PUBLIC_URL=value).config["MEETINGS_PUBLIC_URL"] == expected
    )


@pytest.mark.parametrize(
    "value",
    [
        "api.example.org",
        "ftp://api.example.org",
        "https://",
        "https://user:secret@api.example.org",
        "https://api.example.org/?page=1",
        "https://api.example.org/#top",
        "https://api.example.org:99999",
        "https://api.example.org/a b",
        'https://api.example.org">',
    ],
)
def test_a_bad_public_url_stops_start_up(tmp_path, value):
    with pytest.raises(ConfigError, match="MEETINGS_PUBLIC_URL"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "MEETINGS_PUBLIC_URL": value})


def test_serve_links_name_the_address_it_listens_on_unless_that_is_every_interface():
    assert served_at("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert served_at("::1", 8000) == "http://[::1]:8000"
    assert served_at("api.internal", 80) == "http://api.internal:80"
    for wildcard in ("0.0.0.0", "::", ""):
        assert served_at(wildcard, 8000) == ""
    assert served_at("127.0.0.1", 0) == ""


# --- The query as sent --------------------------------------------------------------------------

AS_SENT = [
    "q=%FF",
    "q=caf%C3%A9&limit=2",
    "country=jp&country=KR&limit=1",
    "q=a%20b&limit=1",
    "q=a+b&limit=1",
    "limit=1&ignored=%2F%3F%26&empty=&flag",
    "limit=1&q=%25",
]


@pytest.mark.parametrize("query", AS_SENT)
@pytest.mark.parametrize("path", ["/v1/meetings", "/v1/people", "/v1/changes"])
def test_the_self_link_reproduces_the_query_as_sent(client, path, query):
    if path == "/v1/people" and query.count("country=") > 1:
        query = query.replace("country=jp&", "")  # people are of one state: it may not repeat
    response = client.get(f"{path}?{query}")
    assert response.status_code == 200, response.get_json()
    links = response.get_json()["links"]
    assert links["self"] == f"{path}?{query}"
    if links["next"]:
        # The neighbours keep the rest of the query as sent: only the cursor (or `since`) moves.
        kept = "&".join(p for p in query.split("&") if not p.startswith(("cursor=", "since=")))
        assert links["next"].startswith(f"{path}?{kept}&")


def test_neighbour_links_move_the_cursor_last_and_keep_the_rest_as_sent(client):
    cursor = client.get("/v1/meetings?limit=1").get_json()["links"]["next"].partition("cursor=")[2]
    sent = f"/v1/meetings?cursor={cursor}&x=%FF&limit=1"
    links = client.get(sent).get_json()["links"]
    assert links["self"] == sent
    for rel in ("next", "prev"):
        assert links[rel].startswith("/v1/meetings?x=%FF&limit=1&cursor=")
        assert links[rel].count("cursor=") == 1


def test_bytes_no_url_may_hold_are_percent_encoded(client):
    # A lenient server passes these on; a link must stay one URL, and the Link header one header.
    response = client.get("/v1/meetings", environ_overrides={"QUERY_STRING": 'limit=1&q="<x>"'})
    self_link = response.get_json()["links"]["self"]
    assert self_link == "/v1/meetings?limit=1&q=%22%3Cx%3E%22"
    assert '<x>"' not in response.headers.get("Link", "")


# --- API keys in the query ----------------------------------------------------------------------


def key_like() -> str:
    return f"mr_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def key_parameters() -> list[tuple[str, str]]:
    """Ways a client may send a key in the query string: (the parameter, what must not show)."""
    secret, shaped = secrets.token_urlsafe(24), key_like()
    return [
        (f"api_key={secret}", secret),
        (f"key={secret}", secret),
        (f"access_token={secret}", secret),
        (f"API-Key={secret}", secret),
        (f"api%5Fkey={secret}", secret),
        (f"q={shaped}", shaped),  # any value shaped like a key of ours
        (f"q=Bearer%20{shaped}", shaped),
        (f"filter=mr%5F{shaped[3:]}", shaped[3:]),
        (shaped, shaped),  # a key given as a bare name
    ]


@pytest.mark.parametrize("index", range(9))
def test_a_key_in_the_query_never_reaches_a_link_a_problem_or_the_log(client, capsys, index):
    parameter, hidden = key_parameters()[index]
    capsys.readouterr()
    responses = {
        "page beside Flask": client.get(f"/v1/meetings?limit=1&{parameter}"),
        "page in Flask": client.get(f"/v1/countries?limit=1&{parameter}"),
        "changes": client.get(f"/v1/changes?limit=1&{parameter}"),
        "unknown id": client.get(f"/v1/meetings/no-such-meeting?{parameter}"),
        "unknown route": client.get(f"/v1/no-such-thing?{parameter}"),
        "invalid": client.get(f"/v1/meetings?limit=0&{parameter}"),
        "write": client.post(f"/v1/meetings?{parameter}", json={}),
    }
    log = capsys.readouterr().err
    for name, response in responses.items():
        assert_nowhere(response, hidden)
        if response.status_code == 200:
            assert all("REDACTED" in url for url in urls_in(response)), name
    problems = [("unknown id", 404), ("unknown route", 404), ("invalid", 422), ("write", 401)]
    for name, status in problems:
        assert "REDACTED" in assert_problem(responses[name], status)["instance"], name
    lines = access_lines(log)
    assert len(lines) == len(responses)
    assert all("REDACTED" in line["query"] for line in lines)
    assert hidden not in log


def test_a_key_in_the_path_is_not_echoed_either(client, capsys):
    secret = key_like()
    capsys.readouterr()
    response = client.get(f"/v1/meetings/{secret}")
    problem = assert_problem(response, 404)
    assert problem["instance"] == "/v1/meetings/REDACTED"
    assert_nowhere(response, secret)
    assert secret not in capsys.readouterr().err


def test_other_parameters_are_not_redacted(client):
    query = "limit=1&q=monkey&sort=date&topic=trade"
    assert (
        client.get(f"/v1/meetings?{query}").get_json()["links"]["self"] == f"/v1/meetings?{query}"
    )


def test_a_key_given_as_a_value_is_not_quoted_back_in_a_message(client):
    secret = key_like()
    response = client.get(f"/v1/meetings?country={secret}")
    problem = assert_problem(response, 422, "country")
    assert "REDACTED" in json.dumps(problem["errors"])
    assert_nowhere(response, secret)


# --- The real server ----------------------------------------------------------------------------


def server_log(running) -> str:
    return Path(running["log"].name).read_text()


@pytest.mark.e2e
def test_the_real_server_never_reflects_the_host_or_logs_a_query_key(tmp_path, database_url):
    env = {**os.environ, "DATABASE_URL": database_url}
    for name in ("MEETINGS_PUBLIC_URL", "MEETINGS_TRUSTED_PROXIES"):
        env.pop(name, None)
    secret, shaped = secrets.token_urlsafe(24), key_like()
    with serve(tmp_path, env, workers=1) as running:
        base = running["base"]
        page = requests.get(
            f"{base}/v1/meetings?limit=1&api_key={secret}&q_ignored={shaped}",
            headers={"Host": EVIL, "X-Forwarded-Host": EVIL, "X-Request-ID": "safe-1"},
            timeout=10,
        )
        missing = requests.get(
            f"{base}/v1/no-such-thing?access_token={secret}",
            headers={"Host": EVIL, "X-Request-ID": "safe-2"},
            timeout=10,
        )
        redirect = requests.get(
            f"{base}/docs?key={secret}", headers={"Host": EVIL}, allow_redirects=False, timeout=10
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            ids = {line["request_id"] for line in access_lines(server_log(running))}
            if {"safe-1", "safe-2"} <= ids:
                break
            time.sleep(0.1)
        log = server_log(running)
    # Links name the address `meetings serve` listens on, never the Host a client sent.
    links = page.json()["links"]
    assert links["self"] == f"{base}/v1/meetings?limit=1&api_key=REDACTED&q_ignored=REDACTED"
    assert links["next"].startswith(f"{base}/v1/meetings?")
    assert page.links["next"]["url"] == links["next"]
    assert redirect.status_code == 308
    assert redirect.headers["Location"] == f"{base}/docs/?key=REDACTED"
    problem = missing.json()
    assert missing.status_code == 404
    assert problem["instance"] == "/v1/no-such-thing?access_token=REDACTED"
    for response in (page, missing, redirect):
        for text in (EVIL, secret, shaped):
            assert text not in response.text
            assert not [v for v in response.headers.values() if text in v]
    lines = [line for line in access_lines(log) if line["request_id"] in ("safe-1", "safe-2")]
    assert [line["query"] for line in lines] == [
        "limit=1&api_key=REDACTED&q_ignored=REDACTED",
        "access_token=REDACTED",
    ]
    assert secret not in log and shaped not in log


def test_ical_text_keeps_backslashes_and_leaves_out_control_characters(client, auth):
    title = r"C:\New \N end; a, b"
    body = new_meeting(id="ical-text", title=title, summary="Before\x01\x1b after\x7f.")
    assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    feed = client.get(
        "/v1/meetings?from=2025-01-10&to=2025-01-10", headers={"Accept": "text/calendar"}
    )
    text = feed.get_data()
    assert not any(byte < 0x20 and byte not in b"\t\r\n" or byte == 0x7F for byte in text)
    event = next(
        e for e in icalendar.Calendar.from_ical(text).walk("VEVENT") if "ical-text" in e["UID"]
    )
    assert str(event["SUMMARY"]) == title
    assert str(event["DESCRIPTION"]) == "Before after."
