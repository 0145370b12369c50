"""Pure work shared with a forked child process, so that a bulk import uses a second core.

The child is forked, so it starts with this process's memory as it is (records, names, lookup
tables) and copies back nothing but its results, through a pipe. It never touches the database
connection it inherits: all reads and writes stay in this process, in its one transaction.
"""

import multiprocessing
import os
import queue
import sys
import threading
import time
from contextlib import contextmanager

# Below this many records, forking and copying results back costs more than it saves.
MIN_RECORDS = 2000


def worth_it(records: int) -> bool:
    """Whether a batch this large is better shared with a child process."""
    if records < MIN_RECORDS or "fork" not in multiprocessing.get_all_start_methods():
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) > 1


@contextmanager
def mapped(fn, items: list, records: int, codec=None):
    """`fn` over `items`, in order: shared with a forked child when `records` make it worth it.
    `codec` is an (encode, decode) pair for results the child sends, where something beats
    pickle."""
    if len(items) > 1 and worth_it(records):
        with Shared(fn, items, codec) as results:
            yield results
    else:
        yield map(fn, items)


class Shared:
    """`fn(item)` for each of `items`, read back in order by iterating: worked out by a forked
    child from the front of the list, and by this process from the back. This process also
    uses every result (the caller's work between two of them), so it takes an item only when
    that makes the whole end sooner: when, with that item worked out and every result still
    to come used, it would be done before the child had worked out the rest. A light user
    (checking records, gathering what they refer to) then takes a large share of the items; a
    heavy one (writing rows) takes a few, only while the child falls behind it. Use it as a
    context manager: leaving it stops the child."""

    def __init__(self, fn, items: list, codec=None):
        self._fn, self._items, self._ours = fn, items, {}
        encode, self._decode = codec or (None, None)
        # What an item has taken the child and this process, and what using a result takes.
        self._child_seconds, self._child_items = 0.0, 0
        self._own_seconds, self._own_items = 0.0, 0
        self._using_seconds, self._used = 0.0, 0
        context = multiprocessing.get_context("fork")
        # The child's next item, and the first of those this process has taken.
        self._bounds = context.Array("q", [0, len(items)])
        self._results, sender = context.Pipe(duplex=False)
        # Whatever is buffered would be written out twice, once by the child.
        sys.stdout.flush()
        sys.stderr.flush()
        self._child = context.Process(
            target=_work,
            args=(fn, encode, items, self._bounds, self._results, sender),
            daemon=True,
        )
        self._child.start()
        sender.close()

    def __iter__(self):
        for index in range(len(self._items)):
            # Until this item's result has come, or been worked out here, take items from the
            # back while that pays; then wait for the child. (When this process has taken the
            # item, the child may have ended: the pipe polls readable, with nothing to read.)
            while index not in self._ours and not self._results.poll():
                if not self._worth_taking(index) or not self._take_last():
                    break
            if index in self._ours:
                value = self._ours.pop(index)
            else:
                value = self._received()
            handed = time.perf_counter()
            yield value
            self._using_seconds += time.perf_counter() - handed
            self._used += 1

    def _received(self):
        try:
            kind, value, seconds = self._results.recv()
        except EOFError:
            self._child.join(5)
            raise RuntimeError(
                f"the helper process ended without its results (exit code {self._child.exitcode})"
            ) from None
        if kind == "error":
            raise value
        self._child_seconds += seconds
        self._child_items += 1
        return value if self._decode is None else self._decode(value)

    def _worth_taking(self, index: int) -> bool:
        """Whether this process, working out one more item and using every result from
        `index` on, would still be done before the child had worked out the items left."""
        if not self._child_items:
            return True  # nothing known yet: working beats waiting
        child_next, first_ours = self._bounds[:]
        per_item = self._child_seconds / self._child_items
        own = self._own_seconds / self._own_items if self._own_items else per_item
        using = self._using_seconds / self._used if self._used else 0.0
        return (len(self._items) - index) * using + own <= (first_ours - child_next - 1) * per_item

    def _take_last(self) -> bool:
        with self._bounds.get_lock():
            child_next, first_ours = self._bounds
            if child_next >= first_ours:
                return False
            self._bounds[1] = first_ours = first_ours - 1
        started = time.perf_counter()
        self._ours[first_ours] = self._fn(self._items[first_ours])
        self._own_seconds += time.perf_counter() - started
        self._own_items += 1
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        if self._child.is_alive():
            self._child.kill()
        self._child.join()
        self._results.close()


def _work(fn, encode, items, bounds, parents_end, connection) -> None:
    """The child: items from the front until it meets those the parent took. A thread sends
    the results, so that working goes on while the parent is too busy to read them."""
    # If the parent dies, the sends fail once no process holds the pipe's other end.
    parents_end.close()
    parent = os.getppid()
    outbox = queue.SimpleQueue()
    sender = threading.Thread(target=_send, args=(outbox, connection))
    sender.start()
    try:
        # What an item takes here includes the sender's pickling, which holds the GIL too.
        last = time.perf_counter()
        while sender.is_alive() and (index := _next(bounds, parent)) is not None:
            result = fn(items[index])
            if encode is not None:
                result = encode(result)
            now = time.perf_counter()
            outbox.put(("result", result, now - last))
            last = now
    except BaseException as exc:
        outbox.put(("error", exc, 0.0))
    outbox.put(None)
    sender.join()


def _next(bounds, parent: int) -> int | None:
    """The child's next item, or None once it meets the parent's, or the parent is gone (even
    holding the lock, if it was killed)."""
    lock = bounds.get_lock()
    while not lock.acquire(timeout=1):
        if os.getppid() != parent:
            return None
    try:
        index = bounds[0]
        if index >= bounds[1] or os.getppid() != parent:
            return None
        bounds[0] = index + 1
        return index
    finally:
        lock.release()


def _send(outbox, connection) -> None:
    try:
        for message in iter(outbox.get, None):
            connection.send(message)
    except OSError:
        pass  # the parent stopped listening: it has failed or been stopped
