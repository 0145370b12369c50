"""A small least-recently-used memo, for values that one input always gives."""

from collections import OrderedDict
from contextlib import suppress


class Memo:
    """Keeps the values of the `size` keys asked for most lately."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict = OrderedDict()

    def get(self, key, make):
        """The value kept for `key`, or else `make()`'s, kept from now on."""
        try:
            value = self._values[key]
        except KeyError:
            value = self._values[key] = make()
            if len(self._values) > self.size:
                self._values.popitem(last=False)
        else:
            # A worker's other threads may have let it go meanwhile: it is no less the value.
            with suppress(KeyError):
                self._values.move_to_end(key)
        return value
