"""The one cache helper: a small least-recently-used memo, for values that one input always
gives, or that stay true for one state of the data."""

from collections import OrderedDict
from contextlib import suppress
from typing import Any, NamedTuple

_UNSET = object()


class Kept(NamedTuple):
    version: Any
    value: Any


class Memo:
    """Keeps the values of the `size` keys asked for most lately."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict = OrderedDict()

    def get(self, key, make, version=None):
        """The value kept for `key`, or else `make()`'s, kept from now on. With a `version`
        (the state of the data it was made from), a value kept for another version is made
        again."""
        found = self._values.get(key, _UNSET)
        if found is not _UNSET and found.version == version:
            # A worker's other threads may have let it go meanwhile: it is no less the value.
            with suppress(KeyError):
                self._values.move_to_end(key)
            return found.value
        value = make()
        self._values[key] = Kept(version, value)
        with suppress(KeyError):
            self._values.move_to_end(key)
        while len(self._values) > self.size:
            with suppress(KeyError):
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every value."""
        self._values.clear()
