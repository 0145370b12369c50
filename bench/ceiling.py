"""The ceilings: a bare Flask view returning a constant JSON object.

- `--server granian`: served exactly as `meetings serve` serves the API (`api.http.serving`). No
  Python web API can beat it on this machine: the shares are taken from it.
- `--server gunicorn`: served as `meetings serve` served the API before granian (gunicorn's
  threaded workers, four threads each, no keep-alive, 2 × cores + 1 workers), kept for history
  only. gunicorn comes with the `bench` extra.
"""

import argparse
import os

from flask import Flask

from api.http.serving import run


def create() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def constant():
        return {"id": "2024-09-06-jp-kr-summit", "title": "Japan–South Korea summit"}

    return app


def old_workers() -> int:
    """gunicorn's worker count in `meetings serve` before granian."""
    return min(2 * (os.cpu_count() or 1) + 1, 8)


def serve_with_gunicorn(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 4,
        "worker_connections": 4,
        "keepalive": 0,
        "accesslog": None,
        "errorlog": "-",
    }

    class Gunicorn(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return create()

    Gunicorn().run()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    args = parser.parse_args()
    if args.server == "gunicorn":
        serve_with_gunicorn(args.host, args.port, args.workers)
    else:
        run(create, args.host, args.port, args.workers)


if __name__ == "__main__":
    main()
