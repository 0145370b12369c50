"""What every `meetings` command does first: bind the database, check its schema."""

import click

from api import db
from api.config import load
from api.migrations import LATEST, current_version, is_new, migrate
from api.services.seeding import SeedError, load_seeds


def schema_ready(create: bool = True) -> None:
    """A new database gets the schema; one made by an older version must be migrated first."""
    with db.db.connection_context():
        new, version = is_new(), current_version()
    if new and create:
        migrate()
    elif version < LATEST:
        raise click.ClickException(
            f"the database schema is at version {version}, this version of the API needs "
            f"{LATEST}: run `meetings migrate` first"
        )


def bind() -> str:
    """Check every setting and bind the database; a bad setting stops the command, named."""
    try:
        url = load()["DATABASE_URL"]
        db.bind(url)
    except db.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    return url


def seed_files(paths, articles):
    """Load seed files on the open connection; a rejected file stops the command."""
    try:
        summary = load_seeds(paths or None, articles_dir=articles)
    except SeedError as exc:
        raise click.ClickException(f"seed data rejected, nothing was loaded:\n{exc}") from None
    return summary
