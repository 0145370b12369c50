"""The ceiling: a bare Flask view returning a constant JSON object, served by gunicorn with
exactly the settings `meetings serve` uses. No Python web API can beat it on this machine."""

import argparse

from flask import Flask

from api.serving import Gunicorn, gunicorn_options


def create() -> Flask:
    app = Flask(__name__)

    @app.get("/")
    def constant():
        return {"id": "2024-09-06-jp-kr-summit", "title": "Japan–South Korea summit"}

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, required=True)
    args = parser.parse_args()
    Gunicorn(create, gunicorn_options(args.host, args.port, args.workers)).run()


if __name__ == "__main__":
    main()
