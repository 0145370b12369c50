"""Peewee models: the latest schema. Tables are made by the migrations (`meetings migrate`),
never at import."""

from api.models.access import ApiKey, IdempotentRequest
from api.models.base import BaseModel, JSONList, compact_json, compact_json_bytes, utcnow
from api.models.history import Alias, Change, Tombstone
from api.models.records import (
    FILTER_COLUMNS,
    AgreedPoint,
    Discussed,
    Meeting,
    MeetingSource,
    MeetingTopic,
    Participant,
    Party,
    PartyPair,
    Person,
    Relation,
    Source,
)
from api.models.webhooks import Webhook, WebhookDelivery, WebhookMeeting

__all__ = [
    "FILTER_COLUMNS",
    "MODELS",
    "AgreedPoint",
    "Alias",
    "ApiKey",
    "BaseModel",
    "Change",
    "Discussed",
    "IdempotentRequest",
    "JSONList",
    "Meeting",
    "MeetingSource",
    "MeetingTopic",
    "Participant",
    "Party",
    "PartyPair",
    "Person",
    "Relation",
    "Source",
    "Tombstone",
    "Webhook",
    "WebhookDelivery",
    "WebhookMeeting",
    "compact_json",
    "compact_json_bytes",
    "utcnow",
]

MODELS = (
    Person,
    Source,
    Meeting,
    Party,
    PartyPair,
    Participant,
    AgreedPoint,
    Discussed,
    MeetingTopic,
    MeetingSource,
    Relation,
    Tombstone,
    Change,
    Alias,
    ApiKey,
    IdempotentRequest,
    Webhook,
    WebhookDelivery,
    WebhookMeeting,
)
