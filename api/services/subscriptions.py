"""Webhook subscriptions as the API manages them: where each stands, sending one change
again, going back in the log, and deleting one."""

from api.models import Change, utcnow
from api.models.webhooks import Webhook, WebhookDelivery, WebhookMeeting
from api.services.deliveries import Settings, log_attempt, send
from api.store.changelog import newest_seq
from api.store.documents import instant


def redeliver(hook: Webhook, delivery: WebhookDelivery, settings: Settings) -> WebhookDelivery:
    """Sends a delivered (or failed) change again, now, beside the subscription's course."""
    change = Change.get_by_id(delivery.seq)
    now = utcnow()
    outcome = send(hook, change, settings, now)
    return log_attempt(hook, change, outcome, now, attempt=1, redelivery=True)


def backlog(hook: Webhook) -> int:
    """Changes after the subscription's cursor: to send, or to pass over."""
    return Change.select().where(Change.seq > hook.cursor).count()


def rewind(hook: Webhook, from_seq: int) -> None:
    """Every change from `from_seq` on goes again, in order, from the next step. A worker
    sending meanwhile loses its lease, so the attempt it has in hand does not move the
    cursor past the rewind."""
    Webhook.update(
        cursor=min(from_seq - 1, newest_seq()),
        attempts=0,
        next_attempt_at=None,
        failing_since=None,
        lease_owner=None,
        lease_until=None,
        revision=Webhook.revision + 1,
        updated_at=utcnow(),
    ).where(Webhook.id == hook.id).execute()


def forget(webhook_id: str) -> None:
    """A deleted subscription: it, its log and the meetings it was sent."""
    WebhookDelivery.delete().where(WebhookDelivery.webhook_id == webhook_id).execute()
    WebhookMeeting.delete().where(WebhookMeeting.webhook_id == webhook_id).execute()
    Webhook.delete().where(Webhook.id == webhook_id).execute()


def shown(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.id,
        "seq": delivery.seq,
        "event_type": delivery.event_type,
        "record_id": delivery.record_id,
        "message_id": delivery.message_id,
        "attempt": delivery.attempt,
        "at": instant(delivery.at),
        "succeeded": delivery.succeeded,
        "status_code": delivery.status_code,
        "latency_ms": delivery.latency_ms,
        "error": delivery.error,
        "redelivery": delivery.redelivery,
    }


def backlog_summary() -> dict:
    """For `/readyz`: each subscription's backlog (the changes after its cursor, by `seq`) and
    whether it is enabled, and the totals."""
    newest = newest_seq()
    hooks = list(
        Webhook.select(Webhook.id, Webhook.cursor, Webhook.disabled_at).order_by(Webhook.id)
    )
    each = [
        {"id": h.id, "enabled": h.disabled_at is None, "backlog": max(newest - h.cursor, 0)}
        for h in hooks
    ]
    active = [h for h in each if h["enabled"]]
    return {
        "active": len(active),
        "disabled": len(each) - len(active),
        "backlog": sum(h["backlog"] for h in active),
        "subscriptions": each,
    }
