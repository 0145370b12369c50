"""`meetings keys`: API keys, made on the command line, shown once, stored as a hash."""

import click

from api import db
from api.cli.setup import bind, schema_ready
from api.http.auth import SCOPES, create_key, revoke_key
from api.models import ApiKey
from api.store.documents import instant


@click.group()
def keys():
    """API keys: create, list, revoke. A key's scopes say what it may do: `write` (meetings,
    people, sources) and `admin` (webhook subscriptions)."""


@keys.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    type=click.Choice(SCOPES),
    help="what the key may do; repeat for several  [default: write]",
)
def keys_create(name, scopes):
    """Create a key called NAME and print it: it is shown this once, only its hash is kept."""
    bind()
    schema_ready()
    with db.db.connection_context():
        if ApiKey.get_or_none(ApiKey.name == name) is not None:
            raise click.ClickException(f"a key called {name!r} exists already")
        key = create_key(name, tuple(dict.fromkeys(scopes or ("write",))))
    click.echo(key)
    click.echo("Keep it safe: it cannot be shown again.", err=True)


@keys.command("list")
def keys_list():
    """Names, creation and last use of every key (never the keys themselves)."""
    bind()
    schema_ready()
    with db.db.connection_context():
        rows = list(ApiKey.select().order_by(ApiKey.name))
    if not rows:
        click.echo("no keys yet: `meetings keys create NAME` makes one", err=True)
    for row in rows:
        state = f"revoked {instant(row.revoked_at)}" if row.revoked_at else "active"
        used = instant(row.last_used_at) or "never"
        scopes = ",".join((row.scopes or "write").split())
        click.echo(
            f"{row.name}\t{scopes}\tcreated {instant(row.created_at)}\tlast used {used}\t{state}"
        )


@keys.command("revoke")
@click.argument("name")
def keys_revoke(name):
    """Revoke the key called NAME: writes with it get 401 from now on."""
    bind()
    schema_ready()
    with db.db.connection_context():
        if not revoke_key(name):
            raise click.ClickException(f"no active key called {name!r}")
    click.echo(f"revoked {name}")
