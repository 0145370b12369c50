"""Words a reader types for what the records write another way: "Russian" for the text's
"Russia", "Sept" for "September", "PM" for "prime minister", "G-7" for "G7". A word of `q`
is asked for as itself or any of these (an `OR`), on both engines alike; stemming does not
reach them ("russian" and "russia" keep different stems)."""

from api.common.words import MONTHS

# A people's name and the names of its state, as the records write them; each is also asked
# for as the other (and the plural of the people's name as the state).
DEMONYMS = {
    "american": ("united states", "america"),
    "asian": ("asia",),
    "australian": ("australia",),
    "british": ("united kingdom", "britain", "u k"),
    "canadian": ("canada",),
    "chilean": ("chile",),
    "chinese": ("china",),
    "european": ("europe",),
    "filipino": ("philippines",),
    "french": ("france",),
    "german": ("germany",),
    "indian": ("india",),
    "indonesian": ("indonesia",),
    "iranian": ("iran",),
    "israeli": ("israel",),
    "italian": ("italy",),
    "japanese": ("japan",),
    "korean": ("korea",),
    "mongolian": ("mongolia",),
    "palestinian": ("palestine",),
    "russian": ("russia",),
    "taiwanese": ("taiwan",),
    "turkish": ("turkey", "turkiye"),
    "ukrainian": ("ukraine",),
    "vietnamese": ("vietnam", "viet nam"),
}
ABBREVIATED = ("Jan", "Feb", "Apr", "Aug", "Sep", "Oct", "Nov", "Dec")
# Short forms, asked for as what they stand for (not the other way round).
SHORT_FORMS = {
    "pm": ("prime minister",),
    "fm": ("foreign minister",),
    "un": ("u n", "united nations"),
    "dprk": ("north korea",),
    "rok": ("south korea",),
    "prc": ("china",),
    "sept": ("september",),
    # The months' usual abbreviations, but for those that are words of their own ("Mar").
    **{month[:3].lower(): (month.lower(),) for month in MONTHS if month[:3] in ABBREVIATED},
}


def _table() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    table: dict[tuple[str, ...], set] = {}

    def add(word: str, other: str) -> None:
        table.setdefault(tuple(word.split()), set()).add(tuple(other.split()))

    for people, states in DEMONYMS.items():
        for state in states:
            add(people, state)
            add(state, people)
            if people.endswith(("an", "i")):
                add(people + "s", state)  # "Koreans"
    for short, long in SHORT_FORMS.items():
        for written in long:
            add(short, written)
    return {words: tuple(sorted(others)) for words, others in table.items()}


TABLE = _table()


def alternatives(words: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The other ways (each a tuple of folded words) of writing the term `words`: from the
    table, and "G-7" (the phrase "g 7") as "G7" and back."""
    found = TABLE.get(words, ())
    joined = "".join(words)
    if len(words) == 2 and len(words[0]) == 1 and joined.isascii() and _numbered(joined):
        return (*found, (joined,))
    first = words[0]
    # Not where the letter is a stop word ("a2"): the phrase would be the number alone.
    if len(words) == 1 and 2 <= len(first) <= 4 and first.isascii() and _numbered(first):
        return found if first[0] in "aist" else (*found, (first[0], first[1:]))
    return found


def _numbered(word: str) -> bool:
    """A letter and a number: "g7", "g20"."""
    return word[0].isalpha() and word[1:].isdigit()
