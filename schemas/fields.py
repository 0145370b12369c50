"""Field types and validators shared by every schema: countries, partial dates, slugs."""

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import pycountry
from marshmallow import Schema, ValidationError, fields, validate


class Whole(validate.Regexp):
    """`validate.Regexp` over the whole value, as JSON Schema reads a `pattern` between `^` and
    `$`: Python's `$` also matches before a final newline, so `"abc\n"` would pass it."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value


SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
TOPIC_PATTERN = SLUG_PATTERN
ID_LENGTH = 100
# A reference by id, as the spec states it.
ID_STRING = {"type": "string", "minLength": 1, "maxLength": ID_LENGTH, "pattern": SLUG_PATTERN}
# Lists rather than validate.And, so that apispec documents both the length and the pattern.
slug = [validate.Length(min=1, max=ID_LENGTH), Whole(SLUG_PATTERN)]


class JsonInteger(fields.Integer):
    """An integer as JSON Schema counts one: `7` or `7.0`, never `"7"`, `7.5` or `true`."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return super()._deserialize(value, attr, data, **kwargs)


# Text that says something: not only white space and invisible characters. The characters
# are named (Python's white space), not `\s`, which JSON Schema's regular expressions read
# otherwise (U+0085).
BLANK = (
    r"\t-\r\x1c-\x20\x85\xa0\xad\u1680\u180e\u2000-\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)
NOT_BLANK = validate.Regexp(f"[\\s\\S]*[^{BLANK}]", error="Holds only white space.")


def sized_text(max_len: int) -> list:
    """A text field's validators: 1 to `max_len` characters, not all white space."""
    return [validate.Length(min=1, max=max_len), NOT_BLANK]


class JsonBoolean(fields.Boolean):
    """`true` or `false`, never `"yes"`, `1` or `"true"`: what a body's JSON says it is."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def could_be_id(text: str) -> bool:
    """Whether a record could have this id (every id passes `slug`): one that could not is
    looked up nowhere, and a NUL character, say, never reaches the database."""
    return len(text) <= ID_LENGTH and slug[1].regex.fullmatch(text) is not None


# What a PUT may send back as a GET showed it, though the server keeps it: equal to the stored
# value, it is ignored. `readOnly` tells clients (and generators) to leave it out.
SENT_BACK = {
    "description": "what a GET shows may be sent back: equal to the stored value, it is ignored",
    "readOnly": True,
}
# A body's id, where the URL names the record: ids never change.
URL_ID = {
    "description": "the URL's: if given, it must equal it (ids never change)",
    "readOnly": True,
}

topic = [validate.Length(min=1, max=60), Whole(TOPIC_PATTERN)]

# pycountry's ``common_name`` covers most short English names ("South Korea"); these few
# states have none there, and their ISO names are not what a reader calls them.
_COMMON_NAMES = {
    "RU": "Russia",
    "CD": "DR Congo",
    "CG": "Republic of the Congo",
    "FM": "Micronesia",
    "VA": "Vatican City",
    "PS": "Palestine",
    "TR": "Türkiye",
}


@dataclass(frozen=True)
class Country:
    code: str
    alpha3: str
    name: str


@cache
def _countries() -> dict[str, Country]:
    index = {}
    for record in pycountry.countries:
        name = _COMMON_NAMES.get(record.alpha_2) or getattr(record, "common_name", record.name)
        country = Country(record.alpha_2, record.alpha_3, name)
        index[record.alpha_2] = index[record.alpha_3] = country
    return index


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:100].strip("-")


def lookup_country(code: str) -> Country | None:
    """The country for an ISO 3166-1 alpha-2 or alpha-3 code in any case, or None."""
    if not isinstance(code, str):
        return None
    return _countries().get(code.strip().upper())


def all_countries() -> list[Country]:
    return sorted({c.code: c for c in _countries().values()}.values(), key=lambda c: c.code)


class CountryCode(fields.String):
    """An ISO 3166-1 country: alpha-2 or alpha-3 in any case in, alpha-2 out."""

    def __init__(self, *, strict_alpha2: bool = False, **kwargs):
        self.strict_alpha2 = strict_alpha2
        metadata = {
            "description": "ISO 3166-1 alpha-2 code"
            + ("" if strict_alpha2 else " (alpha-3 and any case are accepted)"),
            "example": "JP",
            "pattern": "^[A-Z]{2}$" if strict_alpha2 else "^[A-Za-z]{2,3}$",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        country = lookup_country(text)
        if country is None or (self.strict_alpha2 and text != country.code):
            expected = "an ISO 3166-1 alpha-2 code" if self.strict_alpha2 else "an ISO 3166-1 code"
            raise ValidationError(f"Unknown country code {text!r}: expected {expected}.")
        return country.code


@dataclass(frozen=True)
class PartialDate:
    """An ISO 8601 calendar date of reduced precision and the day range it covers."""

    text: str
    precision: str
    first_day: dt.date
    last_day: dt.date

    _FORMS = (
        # ASCII digits only: `\d` takes any script's ("２０２５"), which int() reads too.
        ("day", re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")),
        ("month", re.compile(r"^([0-9]{4})-([0-9]{2})$")),
        ("year", re.compile(r"^([0-9]{4})$")),
    )

    @classmethod
    def parse(cls, text: str) -> "PartialDate":
        for precision, pattern in cls._FORMS:
            match = pattern.fullmatch(text)
            if not match:
                continue
            parts = [int(p) for p in match.groups()]
            year, month = parts[0], parts[1] if len(parts) > 1 else None
            if year < 1:
                break
            try:
                if precision == "day":
                    day = dt.date(*parts)
                    return cls(text, precision, day, day)
                if precision == "month":
                    last = calendar.monthrange(year, month)[1]
                    return cls(text, precision, dt.date(year, month, 1), dt.date(year, month, last))
            except ValueError:
                break
            return cls(text, precision, dt.date(year, 1, 1), dt.date(year, 12, 31))
        raise ValueError(f"{text!r} is not a date of the form YYYY-MM-DD, YYYY-MM or YYYY.")


# How the spec states each precision's form: a calendar date, or a year (from 0001) and month.
_YEAR = "([1-9][0-9]{3}|0[1-9][0-9]{2}|00[1-9][0-9]|000[1-9])"
DATE_FORMS = {
    "day": {"type": "string", "format": "date"},
    "month": {"type": "string", "pattern": f"^{_YEAR}-(0[1-9]|1[0-2])$"},
    "year": {"type": "string", "pattern": f"^{_YEAR}$"},
}


class PartialDateField(fields.String):
    """A string field holding YYYY-MM-DD, YYYY-MM or YYYY; loads to a PartialDate."""

    def __init__(self, **kwargs):
        metadata = {
            "anyOf": [DATE_FORMS[precision] for precision in ("day", "month", "year")],
            "example": "2024-09-06",
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            return PartialDate.parse(text)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return value.text if isinstance(value, PartialDate) else value


class IdOrObject(fields.Field):
    """A reference: the id of an existing record, or the record itself (created or updated)."""

    def __init__(self, schema: type[Schema], **kwargs):
        self.schema = schema()  # one instance: building a schema costs more than loading
        super().__init__(**kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str):
            errors = [msg for check in slug for msg in _errors(check, value)]
            if errors:
                raise ValidationError(errors)
            return value
        if isinstance(value, dict):
            return self.schema.load(value)
        raise ValidationError("Expected an id or an object.")


def _errors(check, value) -> list[str]:
    try:
        check(value)
    except ValidationError as exc:
        return exc.messages
    return []


class QueryInteger(fields.Integer):
    """An integer query parameter as a URL writes one: ASCII digits, a minus at most; not the
    spaces, underscores or other scripts' digits ("٣") that int() would also take."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and not re.fullmatch(r"-?[0-9]+", value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)
