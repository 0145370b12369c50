"""Webhooks: scoped keys, subscriptions, and the change log POSTed to a real receiver on
loopback, signed as Standard Webhooks says and verified with the `standardwebhooks` package.

The worker runs here in process, one step at a time, with the clock it is given: the retry
schedule is asserted from the times it sets, not by waiting for them."""

import datetime as dt
import hashlib

import pytest
from conftest import assert_problem, new_meeting
from cryptography.fernet import Fernet
from standardwebhooks.webhooks import Webhook as Verifier
from standardwebhooks.webhooks import WebhookVerificationError
from webhook_receiver import Receiver, event_of, ids

from api import create_app, db
from api.http.auth import create_key
from api.migrations import migrate
from api.models import Change, utcnow
from api.models.webhooks import Webhook
from api.services import deliveries, webhook_targets
from api.store import changelog

KEY = Fernet.generate_key().decode()
SETTINGS = deliveries.Settings(
    key=Fernet(KEY), policy=webhook_targets.Policy(allow_loopback=True), timeout=5
)
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def hooks(database_url, tmp_path):
    """The app (loopback targets allowed), a test client, an admin and a write key."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "MEETINGS_WEBHOOK_KEY": KEY,
            "MEETINGS_WEBHOOK_ALLOW_LOOPBACK": "on",
        }
    )
    with app.app_context(), db.db.connection_context():
        admin = create_key("admin", ("admin",))
        writer = create_key("writer")
    client = app.test_client()
    with Receiver() as receiver:
        yield {
            "app": app,
            "client": client,
            "admin": {"Authorization": f"Bearer {admin}", **JSON},
            "write": {"Authorization": f"Bearer {writer}", **JSON},
            "receiver": receiver,
        }


def subscribe(hooks, **body) -> dict:
    body = {"url": hooks["receiver"].url, **body}
    response = hooks["client"].post("/v1/webhooks", json=body, headers=hooks["admin"])
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def drain(now=None) -> int:
    """Steps the worker until nothing is due at `now`; how many steps did something."""
    steps = 0
    with db.db.connection_context():
        while deliveries.step(SETTINGS, "test-worker", now):
            steps += 1
    return steps


def create(hooks, **fields) -> dict:
    response = hooks["client"].post(
        "/v1/meetings", json=new_meeting(**fields), headers=hooks["write"]
    )
    assert response.status_code == 201, response.get_json()
    return response


def stored(webhook_id: str) -> Webhook:
    with db.db.connection_context():
        return Webhook.get_by_id(webhook_id)


# --- Scopes and targets ---------------------------------------------------------------------


def test_write_keys_cannot_manage_subscriptions(hooks):
    client, url = hooks["client"], hooks["receiver"].url
    for method, path in [("get", "/v1/webhooks"), ("post", "/v1/webhooks")]:
        response = getattr(client, method)(path, json={"url": url}, headers=hooks["write"])
        problem = assert_problem(response, 403)
        assert "`admin` scope" in problem["detail"]
        assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
        assert_problem(getattr(client, method)(path, json={"url": url}, headers=JSON), 401)
    # The admin key manages them; the write key (as every key made before scopes) writes.
    made = subscribe(hooks)
    assert made["secret"].startswith("whsec_") and made["enabled"]
    assert client.get("/v1/webhooks", headers=hooks["admin"]).get_json()["meta"]["total"] == 1
    assert "secret" not in client.get(f"/v1/webhooks/{made['id']}", headers=hooks["admin"]).json
    create(hooks)
    admin_writes = client.post("/v1/meetings", json=new_meeting(), headers=hooks["admin"])
    assert_problem(admin_writes, 403)


@pytest.mark.parametrize(
    "url",
    [
        "https://10.0.0.1/hooks",  # private
        "https://192.168.1.10/hooks",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
        "https://[fe80::1]/hooks",
        "https://[fd00:ec2::254]/hooks",  # metadata over IPv6 (unique local)
        "https://100.64.0.1/hooks",  # shared address space
        "https://0.0.0.0/hooks",
        "https://127.0.0.1/hooks",  # loopback, not allowed here
        "https://[::ffff:10.0.0.1]/hooks",  # private, IPv4-mapped
        "https://[64:ff9b::7f00:1]/hooks",  # loopback through NAT64's well-known prefix
        "https://[64:ff9b::a00:1]/hooks",  # private through NAT64
        "https://[64:ff9b:1::5]/hooks",  # NAT64's local-use prefix: nothing says where
        "https://[2002:7f00:1::]/hooks",  # loopback through 6to4
        "https://[2002:a9fe:a9fe::]/hooks",  # cloud metadata through 6to4
        "https://93.184.216.34:0/hooks",  # port 0
        "http://93.184.216.34/hooks",  # public, but not https
        "https://no-such-host.invalid/hooks",
        "https://user:secret@93.184.216.34/hooks",
        "https://\u00dd[x/hooks",  # no host at all (this was a 500)
        "https://[::1/hooks",
    ],
)
def test_targets_that_are_not_public_https_are_refused(database_url, url):
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "MEETINGS_WEBHOOK_KEY": KEY})
    with app.app_context(), db.db.connection_context():
        admin = {"Authorization": f"Bearer {create_key('admin', ('admin',))}", **JSON}
    client = app.test_client()
    assert_problem(client.post("/v1/webhooks", json={"url": url}, headers=admin), 422, "url")
    assert client.get("/v1/webhooks", headers=admin).get_json()["meta"]["total"] == 0


def test_a_listed_network_is_allowed_and_redirects_are_not_followed(database_url):
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TESTING": True,
            "MEETINGS_WEBHOOK_KEY": KEY,
            "MEETINGS_WEBHOOK_ALLOWED_NETWORKS": "10.0.0.0/8",
        }
    )
    with app.app_context(), db.db.connection_context():
        admin = {"Authorization": f"Bearer {create_key('admin', ('admin',))}", **JSON}
    body = {"url": "https://10.1.2.3/hooks"}
    assert app.test_client().post("/v1/webhooks", json=body, headers=admin).status_code == 201


# --- Delivery -------------------------------------------------------------------------------


def test_creates_updates_and_deletes_arrive_in_order_signed(hooks):
    client, receiver = hooks["client"], hooks["receiver"]
    made = subscribe(hooks)
    meeting = create(hooks, id="pushed-call").get_json()
    drain()
    patch = {**hooks["write"], "Content-Type": "application/merge-patch+json"}
    patch["If-Match"] = f'"pushed-call.{meeting["revision"]}"'
    assert client.patch("/v1/meetings/pushed-call", json={"duration_minutes": 20}, headers=patch)
    drain()
    gone = {**hooks["write"], "If-Match": '"pushed-call.2"'}
    assert client.delete("/v1/meetings/pushed-call", headers=gone).status_code == 204
    drain()
    events = receiver.events(made["secret"])  # each verified, or this raises
    assert [e["type"] for e in events] == ["meeting.created", "meeting.updated", "meeting.deleted"]
    assert [e["data"]["revision"] for e in events] == [1, 2, 3]
    seqs = [e["data"]["seq"] for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    assert events[0]["data"]["record"]["id"] == "pushed-call"
    assert events[1]["data"]["record"]["duration_minutes"] == 20
    assert events[2]["data"]["tombstone"]["id"] == "pushed-call"
    assert [i.rsplit("_", 1)[0] for i in ids(receiver.received)] == [
        f"msg_{made['id']}_{seq}" for seq in seqs
    ]
    with pytest.raises(WebhookVerificationError):
        Verifier("whsec_" + "A" * 43).verify(
            receiver.received[0]["body"], receiver.received[0]["headers"]
        )
    log = client.get(f"/v1/webhooks/{made['id']}/deliveries", headers=hooks["admin"]).get_json()
    assert [d["seq"] for d in log["data"]] == seqs[::-1]
    assert all(d["succeeded"] and d["status_code"] == 200 for d in log["data"])


def test_a_filter_lets_through_only_the_meetings_it_matches(hooks):
    receiver = hooks["receiver"]
    made = subscribe(
        hooks,
        filter={"country": ["CL"]},
        events=["meeting.created", "meeting.updated", "meeting.deleted"],
    )
    create(hooks, id="with-chile", parties=["JP", "CL"], participants=[])
    create(hooks, id="with-korea", parties=["JP", "KR"], participants=[])
    drain()
    events = receiver.events(made["secret"])
    assert [e["data"]["id"] for e in events] == ["with-chile"]
    # A meeting it was sent stays its own: its changes and deletion come, matching or not.
    patch = {
        **hooks["write"],
        "Content-Type": "application/merge-patch+json",
        "If-Match": '"with-chile.1"',
    }
    hooks["client"].patch("/v1/meetings/with-chile", json={"parties": ["JP", "KR"]}, headers=patch)
    hooks["client"].delete(
        "/v1/meetings/with-chile", headers={**hooks["write"], "If-Match": '"with-chile.2"'}
    )
    hooks["client"].delete(
        "/v1/meetings/with-korea", headers={**hooks["write"], "If-Match": '"with-korea.1"'}
    )
    drain()
    events = receiver.events(made["secret"])
    # ...and every deletion comes, whatever the filter: a meeting that is gone matches nothing.
    assert [(e["type"], e["data"]["id"]) for e in events] == [
        ("meeting.created", "with-chile"),
        ("meeting.updated", "with-chile"),
        ("meeting.deleted", "with-chile"),
        ("meeting.deleted", "with-korea"),
    ]


def delete(hooks, meeting_id: str, revision: int = 1) -> None:
    headers = {**hooks["write"], "If-Match": f'"{meeting_id}.{revision}"'}
    assert hooks["client"].delete(f"/v1/meetings/{meeting_id}", headers=headers).status_code == 204


def test_a_filtered_subscription_to_deletions_only_is_told_of_each(hooks):
    made = subscribe(hooks, filter={"country": ["JP"]}, events=["meeting.deleted"])
    create(hooks, id="deleted-unseen", parties=["JP", "KR"], participants=[])
    drain()
    assert hooks["receiver"].events(made["secret"]) == []
    delete(hooks, "deleted-unseen")
    drain()
    events = hooks["receiver"].events(made["secret"])
    assert [(e["type"], e["data"]["id"]) for e in events] == [("meeting.deleted", "deleted-unseen")]


def test_a_filter_given_later_keeps_the_meetings_sent_before_it(hooks):
    made = subscribe(hooks, events=["meeting.created", "meeting.updated"])
    create(hooks, id="sent-unfiltered", parties=["JP", "KR"], participants=[])
    drain()
    shown = hooks["client"].get(f"/v1/webhooks/{made['id']}", headers=hooks["admin"])
    admin_patch = {
        **hooks["admin"],
        "Content-Type": "application/merge-patch+json",
        "If-Match": shown.headers["ETag"],
    }
    patched = hooks["client"].patch(
        f"/v1/webhooks/{made['id']}", json={"filter": {"country": ["CN"]}}, headers=admin_patch
    )
    assert patched.status_code == 200, patched.get_json()
    patch = {**hooks["write"], "Content-Type": "application/merge-patch+json"}
    hooks["client"].patch(
        "/v1/meetings/sent-unfiltered",
        json={"summary": "Changed after the filter."},
        headers={**patch, "If-Match": '"sent-unfiltered.1"'},
    )
    drain()
    events = hooks["receiver"].events(made["secret"])
    assert [(e["type"], e["data"]["id"]) for e in events] == [
        ("meeting.created", "sent-unfiltered"),
        ("meeting.updated", "sent-unfiltered"),
    ]


def test_a_failing_receiver_is_retried_on_the_schedule_and_gets_every_event(hooks):
    receiver = hooks["receiver"]
    made = subscribe(hooks)
    receiver.statuses = [500, 503]
    create(hooks, id="retried-one")
    create(hooks, id="retried-two")
    start = utcnow()
    drain(start)  # the first attempt, refused
    assert len(receiver.received) == 1
    hook = stored(made["id"])
    assert hook.attempts == 1 and hook.failing_since == start
    waited = (hook.next_attempt_at - start).total_seconds()
    assert deliveries.SCHEDULE[0] * 0.9 - 1 <= waited <= deliveries.SCHEDULE[0] * 1.1
    assert drain(start) == 0  # not due yet: nothing is sent
    second = hook.next_attempt_at
    drain(second)
    assert len(receiver.received) == 2
    hook = stored(made["id"])
    waited = (hook.next_attempt_at - second).total_seconds()
    assert deliveries.SCHEDULE[1] * 0.9 - 1 <= waited <= deliveries.SCHEDULE[1] * 1.1
    drain(hook.next_attempt_at)
    received = receiver.received
    assert [event_of(r)["data"]["id"] for r in received] == [
        "retried-one",
        "retried-one",
        "retried-one",
        "retried-two",
    ]
    assert len(set(ids(received[:3]))) == 1  # one message, tried three times
    hook = stored(made["id"])
    assert hook.attempts == 0 and hook.failing_since is None and hook.next_attempt_at is None
    log = hooks["client"].get(f"/v1/webhooks/{made['id']}/deliveries", headers=hooks["admin"])
    attempts = [(d["attempt"], d["status_code"], d["succeeded"]) for d in log.get_json()["data"]]
    assert attempts[::-1] == [(1, 500, False), (2, 503, False), (3, 200, True), (1, 200, True)]


def test_a_subscription_failing_for_about_a_day_is_disabled_and_says_why(hooks):
    receiver = hooks["receiver"]
    made = subscribe(hooks)
    receiver.statuses = [500] * 50
    create(hooks, id="never-taken")
    start = now = utcnow()
    for _ in range(len(deliveries.SCHEDULE) + 1):
        drain(now)
        now = stored(made["id"]).next_attempt_at or now
    hook = stored(made["id"])
    assert hook.disabled_at is not None and "500" in hook.disabled_reason
    span = (hook.disabled_at - start).total_seconds()
    assert sum(deliveries.SCHEDULE) * 0.9 <= span <= sum(deliveries.SCHEDULE) * 1.1
    assert 20 * 3600 < span < 36 * 3600  # about a day
    shown = hooks["client"].get(f"/v1/webhooks/{made['id']}", headers=hooks["admin"])
    assert shown.get_json()["enabled"] is False and shown.get_json()["disabled_reason"]
    assert drain(now + dt.timedelta(days=2)) == 0  # a disabled subscription gets nothing
    # Enabled again, it resumes where it stopped.
    receiver.statuses = []
    patch = {**hooks["admin"], "Content-Type": "application/merge-patch+json"}
    patch["If-Match"] = shown.headers["ETag"]
    again = hooks["client"].patch(
        f"/v1/webhooks/{made['id']}", json={"enabled": True}, headers=patch
    )
    assert again.status_code == 200 and again.get_json()["enabled"]
    drain()
    assert event_of(receiver.received[-1])["data"]["id"] == "never-taken"
    assert (
        receiver.received[-1]["headers"]["webhook-id"]
        == receiver.received[0]["headers"]["webhook-id"]
    )


def test_a_rotated_secret_signs_beside_the_old_one_until_its_grace_ends(hooks):
    receiver = hooks["receiver"]
    made = subscribe(hooks)
    old = made["secret"]
    rotated = hooks["client"].post(
        f"/v1/webhooks/{made['id']}/secret", json={"grace_seconds": 3600}, headers=hooks["admin"]
    )
    assert rotated.status_code == 200
    new = rotated.get_json()["secret"]
    assert new != old and rotated.get_json()["previous_secret_until"]
    create(hooks, id="during-grace")
    drain()
    during = receiver.received[-1]
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Verifier(secret).verify(during["body"], during["headers"])
    create(hooks, id="after-grace")
    drain(utcnow() + dt.timedelta(hours=2))
    after = receiver.received[-1]
    assert len(after["headers"]["webhook-signature"].split(" ")) == 1
    Verifier(new).verify(after["body"], after["headers"])
    with pytest.raises(WebhookVerificationError):
        Verifier(old).verify(after["body"], after["headers"])


def test_redelivery_of_one_delivery_and_from_a_seq(hooks):
    receiver, client, admin = hooks["receiver"], hooks["client"], hooks["admin"]
    made = subscribe(hooks)
    create(hooks, id="sent-again-one")
    create(hooks, id="sent-again-two")
    drain()
    log = client.get(f"/v1/webhooks/{made['id']}/deliveries", headers=admin).get_json()
    first = log["data"][-1]
    path = f"/v1/webhooks/{made['id']}/deliveries/{first['id']}/redeliver"
    again = client.post(path, headers=admin)
    assert again.status_code == 201 and again.get_json()["redelivery"] is True
    assert ids(receiver.received)[-1] == first["message_id"]
    rewind = f"/v1/webhooks/{made['id']}/rewind"
    rewound = client.post(rewind, json={"from_seq": first["seq"]}, headers=admin)
    assert rewound.status_code == 200 and rewound.get_json()["cursor"] == first["seq"] - 1
    drain()
    assert [event_of(r)["data"]["id"] for r in receiver.received] == [
        "sent-again-one",
        "sent-again-two",
        "sent-again-one",
        "sent-again-one",
        "sent-again-two",
    ]
    assert_problem(client.post(rewind, json={}, headers=admin), 422, "from_seq")
    for number in ("999999", "9" * 40):  # past a database integer too: no delivery's
        redeliver = f"/v1/webhooks/{made['id']}/deliveries/{number}/redeliver"
        assert_problem(client.post(redeliver, headers=admin), 404)


def test_subscriptions_are_updated_with_if_match_and_deleted(hooks):
    client = hooks["client"]
    made = subscribe(hooks, description="first")
    path = f"/v1/webhooks/{made['id']}"
    patch = {**hooks["admin"], "Content-Type": "application/merge-patch+json"}
    assert_problem(client.patch(path, json={"description": "x"}, headers=patch), 428)
    stale = {**patch, "If-Match": f'"{made["id"]}.0"'}
    assert_problem(client.patch(path, json={"description": "x"}, headers=stale), 412)
    current = {**patch, "If-Match": f'"{made["id"]}.1"'}
    changed = client.patch(
        path, json={"description": "second", "filter": {"type": "summit"}}, headers=current
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["description"] == "second"
    assert changed.get_json()["filter"] == {"type": "summit"}
    bad = {**patch, "If-Match": changed.headers["ETag"]}
    assert_problem(client.patch(path, json={"filter": {"colour": "red"}}, headers=bad), 422)
    assert_problem(client.patch(path, json={"url": "https://10.0.0.1/"}, headers=bad), 422, "url")
    for needed in ("url", "events", "enabled"):  # what a subscription keeps (these were 500s)
        assert_problem(client.patch(path, json={needed: None}, headers=bad), 422, needed)
    for field, value in (("enabled", "yes"), ("enabled", 1), ("events", ["meeting.created"] * 2)):
        assert_problem(client.patch(path, json={field: value}, headers=bad), 422, field)
    assert_problem(
        client.post(
            "/v1/webhooks", json={"url": made["url"], "enabled": "true"}, headers=hooks["admin"]
        ),
        422,
    )
    assert client.get(path, headers=hooks["admin"]).get_json() == changed.get_json()
    gone = client.delete(path, headers={**hooks["admin"], "If-Match": changed.headers["ETag"]})
    assert gone.status_code == 204
    assert_problem(client.get(path, headers=hooks["admin"]), 404)


def test_the_spec_describes_the_events_and_readyz_the_backlog(hooks):
    spec = hooks["client"].get("/v1/openapi.json").get_json()
    assert set(spec["webhooks"]) >= {"meeting.created", "meeting.updated", "meeting.deleted"}
    body = spec["webhooks"]["meeting.created"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"]["$ref"].endswith("/WebhookEvent")
    made = subscribe(hooks)
    create(hooks, id="waiting")
    ready = hooks["client"].get("/readyz").get_json()
    # The meeting's change, and those of the person and source it made.
    written = changelog.newest_seq() - made["cursor"]
    assert written >= 1 and ready["webhooks"] == {
        "active": 1,
        "disabled": 0,
        "backlog": written,
        "subscriptions": [{"id": made["id"], "enabled": True, "backlog": written}],
    }
    drain()
    assert hooks["client"].get("/readyz").get_json()["webhooks"]["backlog"] == 0
    assert (
        stored(made["id"]).cursor == Change.select(Change.seq).order_by(Change.seq.desc()).scalar()
    )


def test_a_target_is_checked_again_before_each_delivery(hooks):
    """A target allowed when written but not when sent (a name that came to resolve to a
    private address, or a setting changed) gets nothing; the attempt says why."""
    made = subscribe(hooks)
    create(hooks, id="not-sent")
    strict = deliveries.Settings(key=SETTINGS.key, policy=webhook_targets.Policy(), timeout=5)
    with db.db.connection_context():
        while deliveries.step(strict, "strict-worker"):
            if stored(made["id"]).attempts:
                break
    assert hooks["receiver"].received == []
    log = hooks["client"].get(f"/v1/webhooks/{made['id']}/deliveries", headers=hooks["admin"])
    attempt = log.get_json()["data"][0]
    assert not attempt["succeeded"] and attempt["status_code"] is None
    assert "not a public address" in attempt["error"]


def test_keys_made_before_scopes_keep_writing_and_cannot_manage_webhooks(empty_database_url):
    db.bind(empty_database_url)
    key = "mr_0123456789ab_before-scopes"
    with db.db.connection_context():
        migrate(upto=14)
        db.db.execute_sql(
            'INSERT INTO "api_key" ("name", "key_id", "key_hash", "created_at") '
            f"VALUES ('old', '0123456789ab', {db.db.param}, {db.db.param})",
            (hashlib.sha256(key.encode()).hexdigest(), utcnow()),
        )
        migrate()
    client = create_app({"DATABASE_URL": empty_database_url, "TESTING": True}).test_client()
    auth = {"Authorization": f"Bearer {key}", **JSON}
    assert client.post("/v1/meetings", json=new_meeting(), headers=auth).status_code == 201
    assert_problem(client.get("/v1/webhooks", headers=auth), 403)
