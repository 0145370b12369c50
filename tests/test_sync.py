"""A mirror that follows /v1/changes from the start ends as an exact copy, deletes included."""

import json
import random

from conftest import new_meeting

MERGE = "application/merge-patch+json"


def all_meetings(client) -> dict:
    documents, url = {}, "/v1/meetings?limit=100"
    while url:
        body = client.get(url).get_json()
        documents.update({m["id"]: m for m in body["data"]})
        url = body["links"]["next"]
    return documents


class Mirror:
    """A consumer: applies changes in order, fetching what was created or updated."""

    def __init__(self, client):
        self.client, self.since, self.records = client, 0, {}

    def sync(self, page: int = 7) -> int:
        applied = 0
        while True:
            body = self.client.get(f"/v1/changes?since={self.since}&limit={page}").get_json()
            assert body["meta"]["next_since"] >= self.since
            for change in body["data"]:
                assert change["seq"] > self.since
                self.since = change["seq"]
                applied += 1
                if change["op"] == "deleted":
                    self.records.pop(change["id"], None)
                    continue
                response = self.client.get(f"/v1/meetings/{change['id']}")
                if response.status_code == 410:  # deleted later: that change is still to come
                    self.records.pop(change["id"], None)
                    continue
                assert response.status_code == 200
                self.records[change["id"]] = response.get_json()
            if not body["data"]:
                return applied


def random_writes(client, auth, rng: random.Random, count: int, serial: list) -> None:
    for _ in range(count):
        existing = sorted(all_meetings(client))
        action = rng.choice(["create", "create", "update", "update", "link", "delete"])
        if action == "create" or not existing:
            serial[0] += 1
            day = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            response = client.post(
                "/v1/meetings", headers=auth, json=new_meeting(id=f"sync-{serial[0]}", date=day)
            )
            assert response.status_code == 201, response.get_json()
            continue
        target = rng.choice(existing)
        tag = client.get(f"/v1/meetings/{target}").headers["ETag"]
        headers = {**auth, "If-Match": tag, "Content-Type": MERGE}
        if action == "update":
            patch = {"summary": f"Revised summary {rng.random():.6f}."}
        elif action == "link":
            other = rng.choice([m for m in existing if m != target] or [target])
            patch = {"related": [{"id": other, "relation": "same_occasion"}]}
            if other == target:
                continue
        else:
            response = client.delete(f"/v1/meetings/{target}", headers={**auth, "If-Match": tag})
            assert response.status_code == 204
            continue
        response = client.patch(f"/v1/meetings/{target}", data=json.dumps(patch), headers=headers)
        assert response.status_code == 200, response.get_json()


def test_replaying_changes_gives_an_exact_copy(client, auth):
    rng, serial = random.Random(20261123), [0]
    mirror = Mirror(client)
    random_writes(client, auth, rng, 40, serial)
    assert mirror.sync() > 40
    assert mirror.records == all_meetings(client)
    # Later changes, followed from where the mirror stopped.
    random_writes(client, auth, rng, 40, serial)
    mirror.sync(page=3)
    assert mirror.records == all_meetings(client)
    kinds = {c["op"] for c in client.get("/v1/changes?limit=1000").get_json()["data"]}
    assert kinds == {"created", "updated", "deleted"}


def test_a_fresh_mirror_from_zero_matches_too(client, auth):
    rng, serial = random.Random(7), [0]
    random_writes(client, auth, rng, 60, serial)
    fresh = Mirror(client)
    fresh.sync(page=1000)
    assert fresh.records == all_meetings(client)
    assert len(fresh.records) > 5


def test_changes_paging_and_cursor(client, auth):
    body = client.get("/v1/changes?limit=5").get_json()
    assert [c["seq"] for c in body["data"]] == sorted(c["seq"] for c in body["data"])
    assert body["links"]["next"].endswith(f"since={body['meta']['next_since']}")
    end = client.get("/v1/changes?since=999999").get_json()
    assert end["data"] == [] and end["meta"]["next_since"] == 999999
    # The newest change of the log, of any type: a `since` past it means the log went back.
    everything = client.get("/v1/changes?limit=1000&type=meeting&type=person&type=source")
    newest = everything.get_json()["data"][-1]["seq"]
    assert body["meta"]["last_seq"] == end["meta"]["last_seq"] == newest < 999999
    assert (
        client.post("/v1/meetings", json=new_meeting(id="newer"), headers=auth).status_code == 201
    )
    assert client.get("/v1/changes?limit=1").get_json()["meta"]["last_seq"] > newest
    assert client.get("/v1/changes?since=-1").status_code == 422
    assert client.get("/v1/changes?limit=0").status_code == 422
