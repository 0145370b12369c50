"""Every list pages through the one pagination helper: forward by `next`, back by `prev`."""

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/v1/countries?limit=2",  # a list in memory
        "/v1/topics?limit=3",
        "/v1/people?limit=2",  # a query
        "/v1/sources?limit=2",
        "/v1/meetings?limit=2&type=summit",  # the meetings' own SQL
    ],
)
def test_prev_links_give_back_the_pages_next_links_gave(client, path):
    pages, url = [], path
    while url:
        body = client.get(url).get_json()
        pages.append([item.get("id") or item.get("code") or item["topic"] for item in body["data"]])
        url, back = body["links"]["next"], body["links"]["prev"]
        assert body["meta"]["total"] > 4
    assert len(pages) > 2 and len(sum(pages, [])) == body["meta"]["total"]
    if not path.startswith("/v1/meetings"):  # by key; meetings go by date, then id
        assert sum(pages, []) == sorted(sum(pages, []))
    seen = [pages[-1]]
    while back:
        body = client.get(back).get_json()
        seen.insert(
            0, [item.get("id") or item.get("code") or item["topic"] for item in body["data"]]
        )
        back = body["links"]["prev"]
    assert seen == pages


@pytest.mark.parametrize(
    ("first", "other"),
    [
        ("q=summit&limit=2", "q=evacuation&limit=2"),
        ("q=summit&sort=-date&limit=2", "q=summit&country=KR&sort=-date&limit=2"),
        ("country=JP&limit=2", "country=KR&limit=2"),
        ("type=summit&limit=2", "limit=2"),
        ("/v1/people?limit=2", "/v1/people?country=KR&limit=2"),
    ],
)
def test_a_cursor_walks_only_the_list_it_came_from(client, first, other):
    """A cursor names its list: given with other filters it is a 422, not a place in a list it
    is not from. The same list asked in another order of its parameters, with another page
    size or fields, or with a parameter no list takes, takes it."""
    path = "" if first.startswith("/") else "/v1/meetings?"
    start = client.get(path + first)
    cursor = start.get_json()["links"]["next"].rsplit("cursor=", 1)[1]
    response = client.get(f"{path}{other}&cursor={cursor}")
    assert response.status_code == 422 and "cursor" in response.get_json()["errors"]
    reordered = "&".join(reversed(first.removeprefix("/v1/people?").split("&")))
    reordered = reordered.replace("limit=2", "limit=3") + "&fields=id&x=%FF"
    base = "/v1/people?" if path == "" else path
    response = client.get(f"{base}{reordered}&cursor={cursor}")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["data"]
