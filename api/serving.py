"""How `meetings serve` runs gunicorn; the benchmark serves its ceiling app the same way."""

from gunicorn.app.base import BaseApplication


class Gunicorn(BaseApplication):
    """gunicorn run from Python: each worker builds its own app (and database connections)."""

    def __init__(self, factory, options: dict):
        self.factory, self.options = factory, options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.factory()


def gunicorn_options(host: str, port: int, workers: int) -> dict:
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "sync",
        "graceful_timeout": 30,
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
    }
