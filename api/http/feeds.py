"""How many unpaged feeds one server streams at once: a slot each, shared by its workers.

A feed of every meeting streams for seconds to minutes. `meetings serve` gives its workers a
fixed number of feed slots; a feed asked for while every slot is taken is a 503 problem with
`Retry-After`, so that feeds never take the threads and the processor time that other requests
need. A slot is a file in a folder of the server's own, held locked (`flock`) while its feed
streams: the kernel lets go of the lock when the file is closed or its process dies, so a
worker that is killed mid-feed gives its slot back.
"""

import fcntl
import os
import shutil
import tempfile

from flask import current_app
from flask_smorest import abort

RETRY_AFTER = 5  # seconds: a feed of 100,000 meetings takes a few


class FeedSlots:
    """`count` feed slots, the files `0` to `count - 1` in `folder`."""

    def __init__(self, folder: str, count: int):
        self.folder, self.count = folder, count

    @classmethod
    def new(cls, count: int) -> "FeedSlots":
        """Slots in a new private folder (`remove` takes it away)."""
        return cls(tempfile.mkdtemp(prefix="meetings-feeds-"), count)

    def take(self) -> int | None:
        """A free slot, held from now on (its open file), or None when all are taken."""
        for number in range(self.count):
            slot = os.open(os.path.join(self.folder, str(number)), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(slot, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(slot)
                continue
            return slot
        return None

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def init_app(self, app) -> None:
        app.extensions["feed_slots"] = self


def feed_slot() -> int | None:
    """A feed slot for this request, to be given back (`os.close`) once its response is sent;
    a 503 problem when every slot is taken. None when the app has no slots (not served by
    `meetings serve`, as in a test client)."""
    slots = current_app.extensions.get("feed_slots")
    if slots is None:
        return None
    slot = slots.take()
    if slot is None:
        abort(
            503,
            message=f"The server is streaming as many feeds as it can at once ({slots.count}): "
            f"try again in {RETRY_AFTER} seconds, or read the list a page at a time.",
            headers={"Retry-After": str(RETRY_AFTER)},
        )
    return slot
