"""How `meetings serve` runs granian; the benchmark serves its ceiling apps the same way.

granian's workers are processes, each running the WSGI app on a pool of threads, and each
builds its own app (and database connections). granian has no request timeout, so a long
response, such as a feed of every meeting, streams on one thread for as long as it takes while
the worker's other threads answer other requests. The workers share one feed slot per worker
(`api.http.feeds`), and any worker may hold any of them: each has a thread for every slot and two
more (`threads`), so feeds never take the last threads of a worker.

- SIGTERM (or SIGINT): granian stops taking connections and lets requests in flight finish,
  waiting up to STOP_SECONDS for each worker.
- A worker that dies (a crash, a kill) is started again.
- granian's own access log is off: the app writes its JSON line (`api.http.access_log`).
- granian answers a request over its own limits itself, with an empty 414 or 431: a head
  (request line and header fields) over `max_buffer_size`, a URL over 65,534 bytes, more than
  100 header fields. The buffer is set well above the app's own limits
  (`api.http.request_limits`), which answer as a problem, and the app's field limit is below
  granian's, so that a request line or header over the app's limits reaches the app; only the
  last two, fixed in granian, stay its own.
"""

from collections.abc import Callable

from flask import Flask
from granian import Granian
from granian.constants import HTTPModes, Interfaces
from granian.http import HTTP1Settings

from api.http.feeds import FeedSlots

SPARE_THREADS = 2  # each worker's, besides a thread for every feed slot
STOP_SECONDS = 30  # how long a stopping worker may take to finish its requests
# A request's head (request line and header fields) may come to this many bytes before granian
# refuses it itself: far above the app's limits of 8 KiB of URL and 16 KiB of header fields.
HEAD_BYTES = 1024 * 1024


def threads(workers: int) -> int:
    """Each worker's threads: room for every feed at once, and SPARE_THREADS besides."""
    return workers + SPARE_THREADS


def run(factory: Callable[[], Flask], host: str, port: int, workers: int) -> None:
    """Serves `factory()` in `workers` granian workers, with a feed slot each, until stopped."""
    slots = FeedSlots.new(workers)

    def load(_target: str) -> Flask:
        app = factory()
        slots.init_app(app)
        return app

    server = Granian(
        "api:create_app",  # only named in logs: `load` builds the app
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads(workers),
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(max_buffer_size=HEAD_BYTES),
        log_access=False,
        respawn_failed_workers=True,
        respawn_interval=0.5,
        workers_kill_timeout=STOP_SECONDS,
    )
    try:
        server.serve(target_loader=load)
    finally:
        slots.remove()
