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
