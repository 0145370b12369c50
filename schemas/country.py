"""Countries (ISO 3166-1) and topics, with how many meetings each has."""

from marshmallow import Schema, fields


class Country(Schema):
    code = fields.String(metadata={"description": "ISO 3166-1 alpha-2", "example": "KR"})
    alpha3 = fields.String(metadata={"example": "KOR"})
    name = fields.String(metadata={"description": "common English name", "example": "South Korea"})
    meeting_count = fields.Integer(metadata={"description": "meetings it took part in"})


class Topic(Schema):
    topic = fields.String(metadata={"example": "north-korea"})
    meeting_count = fields.Integer()
