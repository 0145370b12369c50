"""JSON text read in: the values the standard library reads, less what no record can be.

- Text that is not UTF-8, the one encoding JSON exchanged between systems may use (RFC 8259,
  section 8.1).
- A key repeated within one object: JSON leaves its meaning open (RFC 8259, section 4), and
  Python keeps the last value, so a client that sent two would have one dropped unseen.
- An integer of more than 4,300 digits, the most Python converts by default (a guard against
  slow conversions): a parser may limit numbers (RFC 8259, section 9), no field holds anything
  near it, and the limit holds here whatever the interpreter is set to.
- Nesting deeper than 64 levels (a meeting nests four): Python's parser gives up with a
  RecursionError somewhere past 900, and whatever walks the value later could too.
- A lone surrogate: JSON lets a string hold an escape such as `"\\ud800"`, half of a pair that
  stands for one character above U+FFFF, with its other half missing. Python reads it into a
  string it can never write as UTF-8, so a record holding one could be neither hashed nor
  stored.
- A NUL character (`"\\u0000"`): PostgreSQL's text cannot hold it, and the same record must
  store alike on both databases.

Every JSON text the API and `meetings import` read goes through here (a seed file's YAML, with
the same escapes, too), and such a text is refused as invalid, naming what and where.
"""

import json
import re
import sys
from json import JSONDecodeError

import orjson

# A \uXXXX escape of a surrogate: group 1 is 8 to b for a pair's first half, c to f its second.
_SURROGATE = re.compile(r"\\u[dD]([89a-fA-F])[0-9a-fA-F]{2}")
# How JSON (and YAML) write a NUL character.
_NUL = re.compile(r"\\u0000|\\x00|\\0")
# The tokens of a valid JSON text that tell where a key or a number stands: strings (read
# whole, so that what they hold is never mistaken for anything else), numbers, and the
# punctuation of objects and arrays.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[{}\[\]:]', re.DOTALL)

MAX_DEPTH = 64
MAX_DIGITS = sys.int_info.default_max_str_digits


class _Repeated(Exception):
    """A key repeated within one object (found by the parser; `_repeated_key` says where)."""


class _TooLong(Exception):
    """An integer of more than MAX_DIGITS digits (`_long_integer` says where)."""


def _unique(pairs: list) -> dict:
    value = dict(pairs)
    if len(value) < len(pairs):
        raise _Repeated
    return value


class _Constant(Exception):
    """NaN, Infinity or -Infinity, which Python's parser takes and JSON has no place for."""


def _constant(name: str):
    raise _Constant(name)


def _integer(digits: str) -> int:
    if len(digits) - digits.startswith("-") > MAX_DIGITS:
        raise _TooLong
    return int(digits)


_DECODER = json.JSONDecoder(object_pairs_hook=_unique, parse_int=_integer, parse_constant=_constant)
# NaN, Infinity or -Infinity outside a string (group 1), for saying where one stands.
_CONSTANT = re.compile(r'"(?:[^"\\]|\\.)*"|(NaN|-?Infinity)', re.DOTALL)


def loads(text: str | bytes, parse=None):
    """The value of a JSON text (UTF-8 if bytes); a JSONDecodeError where the text is invalid,
    as the standard library reads it or for any reason above. With `parse` (a YAML parser) the
    text is read by it instead, and what it reads is checked as `checked` does."""
    if parse is not None:
        try:
            value = parse(text)
        except RecursionError:
            raise _too_deep(text) from None
        return checked(value, text)
    doc = _decoded(text)
    try:
        value = _DECODER.decode(doc)
    except RecursionError:
        raise _too_deep(doc) from None
    except _Repeated:
        key, where = _repeated_key(doc)
        raise JSONDecodeError(f"key {key!r} repeated in one object", doc, where) from None
    except _Constant as exc:
        where = next((m.start(1) for m in _CONSTANT.finditer(doc) if m.group(1)), 0)
        raise JSONDecodeError(f"{exc} is not a JSON value", doc, where) from None
    except _TooLong:
        digits, where = _long_integer(doc)
        raise JSONDecodeError(
            f"an integer of {digits:,} digits, over the limit of {MAX_DIGITS:,}", doc, where
        ) from None
    return checked(value, doc)


def may_repeat_keys(text: bytes, value) -> bool:
    """Whether a UTF-8 JSON text that orjson, which keeps the last of repeated keys, read as
    `value` may hold a key repeated within one object; where true, `loads` tells. Cheap beside
    parsing: a key dropped is a string of the text that `value` lacks, so the text's strings
    (quotes that no backslash escapes, counted high) outnumber those orjson writes for
    `value` (counted low)."""
    try:
        written = orjson.dumps(value)
    except orjson.JSONEncodeError:  # nested past what orjson writes: `loads` refuses it
        return True
    return _quotes(text, high=True) > _quotes(written, high=False)


def _quotes(text: bytes, high: bool) -> int:
    """The quotes in a JSON text that no backslash escapes (two a string), counted high or
    low: one after an odd run of backslashes is escaped. High counts every quote after two
    backslashes or more as not escaped; low, every quote after one or more as escaped."""
    count = text.count(b'"')
    if b"\\" in text:
        count -= text.count(b'\\"') - (text.count(b'\\\\"') if high else 0)
    return count


def checked(value, text: str | bytes):
    """`value`, read from `text`, if it is nested no more than MAX_DEPTH levels and every string
    in it can be stored as text; else a JSONDecodeError saying which, and where."""
    fault = _fault(value)
    if fault is None:
        return value
    if fault == "deep":
        raise _too_deep(text)
    doc = _doc(text)
    if fault == "surrogate":
        found = next((m for m in _SURROGATE.finditer(doc) if _lone(doc, m)), None)
        what = "lone surrogate{}: half of a character pair, which no text can hold"
    else:
        found = _NUL.search(doc)
        what = "NUL character{}: no database text can hold it"
    raise JSONDecodeError(
        what.format(f" {found.group()}" if found else ""), doc, found.start() if found else 0
    )


def _fault(value) -> str | None:
    """What keeps `value` from being stored: "deep" (arrays and objects nested more than
    MAX_DEPTH levels), or "surrogate" or "nul" for a string (keys included) holding a lone
    surrogate or a NUL character; None if nothing. It is walked level by level, so that a
    deep value is not walked by recursion."""
    level = [value]
    for depth in range(MAX_DEPTH + 1):
        inner = []
        for item in level:
            if isinstance(item, str):
                if "\x00" in item:
                    return "nul"
                if not item.isascii():
                    try:
                        item.encode()
                    except UnicodeEncodeError:
                        return "surrogate"
            elif isinstance(item, dict | list):
                if depth == MAX_DEPTH:
                    return "deep"
                inner += [*item.keys(), *item.values()] if isinstance(item, dict) else item
        level = inner
    return None


def _repeated_key(doc: str) -> tuple[str, int]:
    """The first key in `doc` (a JSON text the parser found a repeated key in) that its object
    has already, and where it stands."""
    objects, previous = [], None
    for token in _TOKEN.finditer(doc):
        first = token.group()[0]
        if first == ":":
            key = json.loads(previous.group())
            if key in objects[-1]:
                return key, previous.start()
            objects[-1].add(key)
        elif first in "{[":
            objects.append(set() if first == "{" else None)
        elif first in "}]":
            objects.pop()
        previous = token
    raise AssertionError("no repeated key")  # the parser found one


def _long_integer(doc: str) -> tuple[int, int]:
    """The digits of the first integer in `doc` (a JSON text read as far as it) longer than
    MAX_DIGITS, and where it stands."""
    for token in _TOKEN.finditer(doc):
        number = token.group().lstrip("-")
        if number.isdigit() and len(number) > MAX_DIGITS:
            return len(number), token.start()
    raise AssertionError("no integer that long")  # the parser found one


def _decoded(text: str | bytes) -> str:
    if isinstance(text, str):
        return text
    try:
        return text.decode()
    except UnicodeDecodeError as exc:
        doc = text.decode(errors="replace")
        where = len(text[: exc.start].decode(errors="replace"))
        raise JSONDecodeError(f"not UTF-8: byte {text[exc.start]:#04x}", doc, where) from None


def _too_deep(text: str | bytes) -> JSONDecodeError:
    return JSONDecodeError(f"nested more than {MAX_DEPTH} levels deep", _doc(text), 0)


def _doc(text: str | bytes) -> str:
    return text.decode("utf-8", "replace") if isinstance(text, bytes) else text


def _first_half(match) -> bool:
    return match.group(1).lower() in "89ab"


def _lone(doc: str, escape) -> bool:
    """Whether a surrogate escape has no other half beside it."""
    if _first_half(escape):
        after = _SURROGATE.match(doc, escape.end())
        return after is None or _first_half(after)
    before = _SURROGATE.match(doc, max(escape.start() - 6, 0))
    return before is None or before.end() != escape.start() or not _first_half(before)
