"""JSON text read in: the values the standard library reads, less what no record can be.

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
from json import JSONDecodeError

# A \uXXXX escape of a surrogate: group 1 is 8 to b for a pair's first half, c to f its second.
_SURROGATE = re.compile(r"\\u[dD]([89a-fA-F])[0-9a-fA-F]{2}")
# How JSON (and YAML) write a NUL character.
_NUL = re.compile(r"\\u0000|\\x00|\\0")


MAX_DEPTH = 64


def loads(text: str | bytes, parse=json.loads):
    """The value of a JSON text, as `parse` (`json.loads`) reads it; a JSONDecodeError where
    the text is invalid, nested too deeply, or holds a lone surrogate or a NUL character."""
    try:
        value = parse(text)
    except RecursionError:
        raise _too_deep(text) from None
    return checked(value, text)


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
