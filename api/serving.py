"""How `meetings serve` runs gunicorn; the benchmark serves its ceiling app the same way.

Workers are threaded (gthread): a long response, such as a feed of every meeting, holds one
thread, while the worker's main thread goes on telling the master it is alive, so gunicorn's
timeout never kills it mid-body, and the worker's other threads answer other requests. A
worker takes a connection only when it has a thread free for it, so a request never waits
behind a feed. The workers share one feed slot per worker (`api.feeds`).
"""

from gunicorn.app.base import BaseApplication

from .feeds import FeedSlots

THREADS = 4  # each worker's: a feed holds one


class Gunicorn(BaseApplication):
    """gunicorn run from Python: each worker builds its own app (and database connections)."""

    def __init__(self, factory, options: dict):
        self.factory, self.options = factory, options
        self.feed_slots = FeedSlots.new(options["workers"])
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        # The master, once it stops (never a worker), takes the slots' folder away.
        self.cfg.set("on_exit", lambda server: self.feed_slots.remove())

    def load(self):
        app = self.factory()
        self.feed_slots.init_app(app)
        return app


def gunicorn_options(host: str, port: int, workers: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS,
        # A connection a thread, none kept alive: one more would wait for a thread to free.
        "worker_connections": THREADS,
        "keepalive": 0,
        "graceful_timeout": 30,
        # Far above the app's own limits (api.request_limits), so that gunicorn passes an
        # over-long request line or header on for the app to refuse as a problem, instead of
        # answering with its own HTML page. (Its line limit goes no higher than 8,190 bytes
        # but for 0, which is none.)
        "limit_request_line": 0,
        "limit_request_fields": 32768,
        "limit_request_field_size": 1024 * 1024,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
    }
