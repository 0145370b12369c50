"""The `meetings` command: serve, init-db, seed, openapi."""

import os
import sys
from pathlib import Path

import click
from gunicorn.app.base import BaseApplication

from . import create_app, db
from .config import load
from .models import Meeting, create_tables
from .seeding import SeedError, load_seeds


def _bind() -> str:
    url = load()["DATABASE_URL"]
    try:
        db.bind(url)
    except db.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    return url


def _seed(paths, articles):
    try:
        with db.db.connection_context():
            summary = load_seeds(paths or None, articles_dir=articles)
    except SeedError as exc:
        raise click.ClickException(f"seed data rejected, nothing was loaded:\n{exc}") from None
    return summary


@click.group()
def main():
    """Meeting Records API: serve it, and manage its database."""


@main.command("init-db")
def init_db():
    """Create the tables (safe to run again)."""
    url = _bind()
    create_tables()
    click.echo(f"tables ready in {url}")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--articles",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="folder of the source articles: check each hash and that every quote is verbatim",
)
def seed(files, articles):
    """Validate and load the seed files (all of them by default) in one transaction."""
    _bind()
    create_tables()
    click.echo(str(_seed(list(files), articles)))


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app()


def default_workers() -> int:
    return min(2 * (os.cpu_count() or 1) + 1, 8)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=default_workers,
    show_default="2 x cores + 1, at most 8",
    type=click.IntRange(1, 64),
)
def serve(host, port, workers):
    """Serve the API with gunicorn; a new database gets its tables and the seeds first."""
    url = _bind()
    with db.db.connection_context():
        fresh = not Meeting.table_exists()
    if fresh:
        create_tables()
        click.echo(f"new database at {url}: {_seed(None, None)}", err=True)
    click.echo(f"serving http://{host}:{port}/v1/meetings (docs at /docs)", err=True)
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "sync",
            "graceful_timeout": 30,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
        }
    ).run()


@main.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write to this file instead of standard output",
)
def openapi(output):
    """Print the generated OpenAPI description (YAML), as committed in openapi.yaml."""
    from .openapi import spec_yaml

    app = create_app({"DATABASE_URL": "sqlite:///" + os.devnull})
    text = spec_yaml(app.extensions["flask-smorest"]["apis"][""]["ext_obj"])
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
