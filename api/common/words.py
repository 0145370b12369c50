"""Text as search reads it, the same for what is stored and what is asked: diacritics folded
("Tōkyō" is "Tokyo"), lower case, words only.

Words only, so that FTS5 and PostgreSQL's parser split the text the same way ("Japan–South"
is one token to PostgreSQL, two to FTS5, two here); folded here rather than by each engine,
since PostgreSQL folds only with an extension whose function cannot index a column."""

import re
import unicodedata

WORD = re.compile(r"\w+")
# The months' names, searched with a meeting's year (`store.meeting_rows.date_words`).
MONTHS = (
    "January February March April May June July August September October November December"
).split()


def fold(text: str) -> str:
    """`text` without its diacritics, in lower case."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def split(text: str) -> list[str]:
    """The words of `text`, folded."""
    return WORD.findall(fold(text))


def words(text: str) -> str:
    """The words of `text`, folded, one space apart."""
    return " ".join(split(text))


def _one_to_one() -> dict[int, str]:
    """Characters that fold to one other character ("ō" to "o"), for `fold_in_place`."""
    table = {}
    for code in range(0x80, 0x3000):
        folded = fold(chr(code))
        if len(folded) == 1 and folded != chr(code).lower():
            table[code] = folded
    return table


_IN_PLACE = _one_to_one()
# Runs of characters past ASCII: only they can fold, and most text has few. `str.translate`
# looks every character up, so it is given only these (a third of the time on a record).
_NOT_ASCII = re.compile(r"[^\x00-\x7f]+")


def _folded(run: re.Match) -> str:
    return run.group().translate(_IN_PLACE)


def fold_in_place(text: str) -> str:
    """`text` with each character that folds to one character folded, so that offsets into
    it are offsets into `text` (case is left as it is)."""
    return text if text.isascii() else _NOT_ASCII.sub(_folded, text)
