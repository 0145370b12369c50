"""The events a webhook subscription receives, as the spec describes them."""

_SIGNED = {
    "webhook-id": "the message's id: the same for every attempt at one change (`msg_…`)",
    "webhook-timestamp": "when it was sent, in seconds since the epoch",
    "webhook-signature": "`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one for each live "
    "secret, space-separated",
}


def add_webhooks(spec, event_types) -> None:
    """The events a subscription receives, under the top-level `webhooks` object (OpenAPI
    3.1), each a signed POST of a `WebhookEvent`."""
    spec.options["webhooks"] = {
        event: {
            "post": {
                "operationId": "on" + "".join(p.capitalize() for p in event.split(".")),
                "summary": f"A `{event}` event",
                "description": "Signed as Standard Webhooks says; answer 2xx to acknowledge. "
                "Any other answer, or none within the timeout, is tried again later.",
                "tags": ["webhooks"],
                "security": [],
                "parameters": [
                    {
                        "in": "header",
                        "name": name,
                        "required": True,
                        "description": text,
                        "schema": {"type": "string"},
                    }
                    for name, text in _SIGNED.items()
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/WebhookEvent"}
                        }
                    },
                },
                "responses": {"200": {"description": "acknowledged (any 2xx is)"}},
            }
        }
        for event in event_types
    }
