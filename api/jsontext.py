"""JSON text read in: the values the standard library reads, less a lone surrogate.

JSON lets a string hold an escape such as `"\\ud800"`, half of a pair that stands for one
character above U+FFFF, with its other half missing. Python reads it into a string it can
never write as UTF-8, so a record holding one could be neither hashed nor stored. Every JSON
text the API and `meetings import` read goes through here, and such a text is refused as
invalid JSON, naming the escape and where it is.
"""

import json
import re
from json import JSONDecodeError

# A \uXXXX escape of a surrogate: group 1 is 8 to b for a pair's first half, c to f its second.
_SURROGATE = re.compile(r"\\u[dD]([89a-fA-F])[0-9a-fA-F]{2}")


def loads(text: str | bytes):
    """The value of a JSON text, as `json.loads` reads it; a JSONDecodeError where the text is
    invalid or holds a lone surrogate."""
    return without_lone_surrogates(json.loads(text), text)


def without_lone_surrogates(value, text: str | bytes):
    """`value`, read from `text` (JSON, or YAML with the same escapes), if no string in it
    holds a lone surrogate; else a JSONDecodeError naming the first lone surrogate escape of
    `text`."""
    try:
        json.dumps(value, ensure_ascii=False, default=str).encode()
    except UnicodeEncodeError:
        pass
    else:
        return value
    doc = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    found = next((m for m in _SURROGATE.finditer(doc) if _lone(doc, m)), None)
    raise JSONDecodeError(
        f"lone surrogate{f' {found.group()}' if found else ''}: half of a character pair, "
        "which no text can hold",
        doc,
        found.start() if found else 0,
    )


def _first_half(match) -> bool:
    return match.group(1).lower() in "89ab"


def _lone(doc: str, escape) -> bool:
    """Whether a surrogate escape has no other half beside it."""
    if _first_half(escape):
        after = _SURROGATE.match(doc, escape.end())
        return after is None or _first_half(after)
    before = _SURROGATE.match(doc, max(escape.start() - 6, 0))
    return before is None or before.end() != escape.start() or not _first_half(before)
