"""The delivery worker: the change log, sent to each subscription as Standard Webhooks says.

Each subscription is worked through in `seq` order from its `cursor`, one change at a time,
by whichever worker holds its lease: any number of workers, on any number of machines, share
the subscriptions without sending one change twice, and a killed worker's subscription is
taken up by another once its lease runs out (at least once: the change it was sending goes
again, with the same `webhook-id`). A 2xx acknowledges; anything else, or no answer within
the timeout, is tried again after `SCHEDULE`'s delays, each give or take a tenth; a
subscription still failing when the schedule is spent (about a day) is disabled, and says why.
"""

import datetime as dt
import json
import logging
import random
import socket
import time
import uuid
from dataclasses import dataclass

import orjson
import requests
from peewee import PeeweeException, PostgresqlDatabase
from playhouse.shortcuts import model_to_dict

from api.db import close_after_error, db
from api.models import Change, Meeting, Person, Source, Tombstone, utcnow
from api.models.webhooks import Webhook, WebhookDelivery, WebhookMeeting
from api.queries.filters import includes
from api.services import webhook_secrets, webhook_targets
from api.store.changelog import newest_seq
from api.store.documents import instant
from schemas.common import MeetingFilters

# Seconds to wait after the 1st, 2nd, … failed attempt (the schedule Standard Webhooks
# suggests); once spent, about 27 hours after the first failure, the subscription is disabled.
SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.1
BATCH = 200
log = logging.getLogger("meetings.webhooks")
KINDS = {"meeting": Meeting, "person": Person, "source": Source}
EVENT_TYPES = tuple(
    f"{kind}.{op}"
    for kind in KINDS
    for op in ("created", "updated", "deleted", "renamed")
    if not (kind != "meeting" and op == "deleted")  # people and sources are never deleted
)


def backoff(attempts: int, draw=random.random) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt in a row."""
    base = SCHEDULE[min(attempts, len(SCHEDULE)) - 1]
    return dt.timedelta(seconds=base * (1 + JITTER * (2 * draw() - 1)))


@dataclass(frozen=True)
class Settings:
    key: object  # the Fernet key secrets are sealed with
    policy: webhook_targets.Policy
    timeout: float = 10.0
    # How long a worker holds a subscription it works on: longer than any one attempt.
    lease: dt.timedelta = dt.timedelta(seconds=60)


def settings_from(config: dict) -> Settings:
    """The worker's settings from the app's (`api.config.load`)."""
    return Settings(
        key=webhook_secrets.server_key(config["MEETINGS_WEBHOOK_KEY"]),
        policy=webhook_targets.Policy(
            allow_loopback=config["MEETINGS_WEBHOOK_ALLOW_LOOPBACK"],
            allowed_networks=config["MEETINGS_WEBHOOK_ALLOWED_NETWORKS"],
        ),
        timeout=config["MEETINGS_WEBHOOK_TIMEOUT"],
        lease=dt.timedelta(seconds=config["MEETINGS_WEBHOOK_LEASE"]),
    )


def event_type(change: Change) -> str:
    return f"{change.type}.{change.op}"


def _record(change: Change) -> dict | None:
    if change.type == "meeting":
        row = Meeting.select(Meeting.document).where(Meeting.id == change.meeting_id).first()
        return orjson.loads(row.document) if row and row.document else None
    row = KINDS[change.type].get_or_none(KINDS[change.type].id == change.meeting_id)
    if row is None:
        return None
    record = model_to_dict(row, recurse=False)
    return {k: instant(v) if isinstance(v, dt.datetime) else v for k, v in record.items()}


def payload(change: Change) -> bytes:
    """The event: its type, when it happened, and the record as it now stands (a meeting
    deleted since is its tombstone). `revision` is the change's."""
    data = {"id": change.meeting_id, "revision": change.revision, "seq": change.seq}
    if change.op == "renamed":
        data["renamed_to"] = change.renamed_to
    elif change.op == "deleted" or (record := _record(change)) is None:
        tomb = Tombstone.get_or_none(Tombstone.id == change.meeting_id)
        data["tombstone"] = {
            "id": change.meeting_id,
            "deleted_at": instant(tomb.deleted_at) if tomb else instant(change.at),
        }
    else:
        data["record"] = record
    event = {"type": event_type(change), "timestamp": instant(change.at), "data": data}
    return orjson.dumps(event)


def wanted(hook: Webhook, change: Change) -> bool:
    """Whether the subscription takes this change: its type, and for a meeting its filter (a
    meeting it was sent before stays its own, whatever it became). A deletion or a rename
    goes whatever the filter: the meeting is gone and can match nothing, and a copy made by
    any means must not keep it."""
    if event_type(change) not in hook.events:
        return False
    filters = json.loads(hook.filters or "{}")
    if change.type != "meeting" or not filters or change.op in ("deleted", "renamed"):
        return True
    sent = WebhookMeeting.select().where(
        (WebhookMeeting.webhook_id == hook.id) & (WebhookMeeting.meeting_id == change.meeting_id)
    )
    if sent.exists():
        return True
    return includes(MeetingFilters().load(filters), change.meeting_id)


def _claim(owner: str, now: dt.datetime, lease: dt.timedelta) -> Webhook | None:
    """A subscription with changes to send, due, and leased to no live worker: leased to
    `owner` now. PostgreSQL's SKIP LOCKED lets workers pass over each other's candidates."""
    newest = newest_seq()
    free = Webhook.lease_until.is_null() | (Webhook.lease_until < now)
    due = Webhook.next_attempt_at.is_null() | (Webhook.next_attempt_at <= now)
    with db.atomic():
        query = (
            Webhook.select()
            .where(Webhook.disabled_at.is_null() & free & due & (Webhook.cursor < newest))
            .order_by(Webhook.next_attempt_at.asc(nulls="first"), Webhook.id)
            .limit(1)
        )
        if isinstance(db.obj, PostgresqlDatabase):
            query = query.for_update("FOR UPDATE SKIP LOCKED")
        hook = query.first()
        if hook is None:
            return None
        taken = (
            Webhook.update(lease_owner=owner, lease_until=now + lease)
            .where((Webhook.id == hook.id) & free)
            .execute()
        )
        return Webhook.get_by_id(hook.id) if taken else None


def _next(hook: Webhook) -> tuple[Change | None, int]:
    """The first change after the cursor that the subscription takes, and the seq up to which
    the ones before it were passed over."""
    passed = hook.cursor
    while True:
        changes = list(Change.select().where(Change.seq > passed).order_by(Change.seq).limit(BATCH))
        for change in changes:
            if wanted(hook, change):
                return change, passed
            passed = change.seq
        if len(changes) < BATCH:
            return None, passed


def message_id(hook: Webhook, change: Change) -> str:
    """The same for every attempt at one change, so that a receiver can drop repeats; with the
    change's time, so that a `seq` handed out again after a restore from a backup makes
    another id."""
    at = change.at if isinstance(change.at, dt.datetime) else dt.datetime.fromisoformat(change.at)
    return f"msg_{hook.id}_{change.seq}_{at:%Y%m%dT%H%M%S}"


def send(hook: Webhook, change: Change, settings: Settings, now: dt.datetime) -> dict:
    """One attempt: what happened, as a delivery's fields."""
    body = payload(change)
    sealed = [hook.secret]
    if hook.previous_secret and hook.previous_secret_until and hook.previous_secret_until > now:
        sealed.append(hook.previous_secret)
    outcome = {"status_code": None, "error": None, "latency_ms": None}
    started = time.monotonic()
    try:
        webhook_targets.check(hook.url, settings.policy)
        secrets_ = [webhook_secrets.unseal(settings.key, s) for s in sealed]
        at = dt.datetime.now(dt.UTC)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "meeting-records-webhooks/1",
            "webhook-id": message_id(hook, change),
            "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": webhook_secrets.signature(
                secrets_, message_id(hook, change), at, body
            ),
        }
        response = requests.post(
            hook.url, data=body, headers=headers, timeout=settings.timeout, allow_redirects=False
        )
        outcome["status_code"] = response.status_code
        if not 200 <= response.status_code < 300:
            outcome["error"] = f"answered {response.status_code}"
    except (webhook_targets.TargetRefused, webhook_secrets.SecretUnreadable) as exc:
        outcome["error"] = str(exc)
    except (OSError, requests.RequestException) as exc:
        outcome["error"] = f"{type(exc).__name__}: {exc}"[:500]
    outcome["latency_ms"] = round((time.monotonic() - started) * 1000)
    return outcome


def log_attempt(
    hook: Webhook, change: Change, outcome: dict, at: dt.datetime, *, attempt: int, **extra
) -> WebhookDelivery:
    """One attempt in the subscription's delivery log."""
    return WebhookDelivery.create(
        webhook_id=hook.id,
        seq=change.seq,
        event_type=event_type(change),
        record_id=change.meeting_id,
        message_id=message_id(hook, change),
        attempt=attempt,
        at=at,
        succeeded=outcome["error"] is None,
        **outcome,
        **extra,
    )


def _record_attempt(hook, change, outcome, owner, now) -> bool:
    """Keeps the attempt and moves the subscription on (or schedules the retry), releasing the
    lease; False when the lease was lost meanwhile, and nothing is kept."""
    ok = outcome["error"] is None
    attempts = 0 if ok else hook.attempts + 1
    update = {"lease_owner": None, "lease_until": None, "attempts": attempts}
    if ok:
        update |= {"cursor": change.seq, "next_attempt_at": None, "failing_since": None}
    elif attempts > len(SCHEDULE):
        update |= {
            "disabled_at": now,
            "disabled_reason": f"Failing since {instant(hook.failing_since)}: {attempts} "
            f"attempts at change {change.seq} went unacknowledged (last: {outcome['error']}).",
        }
    else:
        update |= {
            "next_attempt_at": now + backoff(attempts),
            "failing_since": hook.failing_since or now,
        }
    with db.atomic():
        mine = (Webhook.id == hook.id) & (Webhook.lease_owner == owner)
        if not Webhook.update(**update).where(mine).execute():
            return False
        log_attempt(hook, change, outcome, now, attempt=hook.attempts + 1)
        # Kept with or without a filter: one given later keeps what was sent before it.
        if ok and change.type == "meeting":
            WebhookMeeting.insert(
                webhook_id=hook.id, meeting_id=change.meeting_id
            ).on_conflict_ignore().execute()
    return True


def step(settings: Settings, owner: str, now: dt.datetime | None = None) -> bool:
    """Claims one due subscription and sends it its next change; False when none was due."""
    now = now or utcnow()
    hook = _claim(owner, now, settings.lease)
    if hook is None:
        return False
    change, passed = _next(hook)
    if change is None or passed > hook.cursor:
        # Changes it does not take are passed over at once; the next one goes on the next step.
        Webhook.update(cursor=passed, lease_owner=None, lease_until=None).where(
            (Webhook.id == hook.id) & (Webhook.lease_owner == owner)
        ).execute()
        return True
    _record_attempt(hook, change, send(hook, change, settings, now), owner, now)
    return True


def run(settings: Settings, stop, poll: float = 1.0) -> None:
    """Delivers until `stop` (a threading.Event) is set, resting `poll` seconds when idle. A
    database that goes away is waited for: the step is tried again on a new connection."""
    owner = f"{socket.gethostname()}:{uuid.uuid4().hex[:12]}"
    while not stop.is_set():
        try:
            busy = step(settings, owner)
        except PeeweeException as exc:
            log.warning("webhook delivery paused: %s: %s", type(exc).__name__, exc)
            close_after_error()
            busy = False
        if not busy:
            stop.wait(poll)
    if not db.is_closed():
        db.close()
