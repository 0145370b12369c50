"""The `meetings` command: serve, deliver, init-db, seed, verify, keys, import, export,
openapi."""

import functools
import os
import subprocess
import sys
from pathlib import Path

import click

from api import create_app, db
from api.cli.deliver import deliver
from api.cli.keys import keys
from api.cli.setup import bind, schema_ready, seed_files
from api.migrations import LATEST, exclusive, migrate
from api.models import Change, Meeting
from api.services import bulk
from api.services.seeding import SeedError, default_seed_files, read_seed_file
from api.services.verify import Report, verify_seed


@click.group()
def main():
    """Meeting Records API: serve it, and manage its database."""


main.add_command(keys)
main.add_command(deliver)


@main.command("init-db")
def init_db():
    """Create the tables of a new database, or bring an older one up to date (safe twice)."""
    url = bind()
    applied = migrate()
    click.echo(
        f"schema at version {LATEST} in {url}"
        + (f" (applied {', '.join(applied)})" if applied else "")
    )


@main.command("migrate")
def migrate_command():
    """Apply the schema migrations this version needs; does nothing when there are none."""
    url = bind()
    applied = migrate()
    if applied:
        click.echo(f"applied {', '.join(applied)}: {url} is at schema version {LATEST}")
    else:
        click.echo(f"nothing to do: {url} is at schema version {LATEST}")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--articles",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="folder of the source articles: first check them as `meetings verify` does",
)
def seed(files, articles):
    """Validate and load the seed files (all of them by default) in one transaction."""
    bind()
    schema_ready()
    with db.db.connection_context():
        click.echo(str(seed_files(list(files), articles)))


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--articles",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="folder of the source articles",
)
def verify(files, articles):
    """Check the seed files (all of them by default) against their articles: each source's
    hash, each evidence passage at its offsets, each quote, each fact's evidence. Prints a table
    per source and the share of facts backed by a passage; exits 1 on any failure."""
    report = Report()
    try:
        for path in list(files) or default_seed_files():
            report.add(verify_seed(read_seed_file(path), articles))
    except SeedError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.table())
    if report.failures:
        click.echo("\n".join(report.failures), err=True)
        sys.exit(1)


@main.command("import")
@click.argument("file", type=click.File("rb"))
def import_(file):
    """Import meetings from FILE (`-` for standard input), in UTF-8: NDJSON, a JSON array, or a
    seed file (.yaml). All or nothing: one invalid record and nothing is stored."""
    bind()
    schema_ready()
    name = getattr(file, "name", "<stdin>")
    name = name if name != "<stdin>" else "stdin"
    # Bytes: the import reads them as UTF-8 itself, naming the line where they are not.
    text = file.read()
    try:
        with bulk.collector_paused():
            records = bulk.load_file(text, name, seed=name.endswith((".yaml", ".yml")))
            with db.db.connection_context():
                with click.progressbar(
                    length=len(records),
                    label="importing",
                    file=sys.stderr,
                    hidden=not sys.stderr.isatty(),
                ) as bar:
                    counts = bulk.import_records(records, name, progress=bar.update)
            # Gone before the collector resumes, or its first pass would walk them all.
            del records
    except bulk.BadImportFile as exc:
        raise click.ClickException(f"import rejected, nothing was stored:\n{exc}") from None
    click.echo(", ".join(f"{counts[k]} {k}" for k in ("created", "updated", "unchanged")))


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["ndjson", "json", "csv", "datapackage"]),
    default="ndjson",
    show_default=True,
)
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
def export(fmt, folder):
    """Write every meeting to standard output, by id. NDJSON and JSON hold each record as
    `meetings import` reads it back; CSV is one flat row a meeting. `datapackage` writes a
    Frictionless Data Package into FOLDER: both files, and `datapackage.json` with their
    sizes and SHA-256 hashes."""
    from api.http.dumps import export_lines, write_package
    from api.queries.totals import data_version

    if (fmt == "datapackage") != (folder is not None):
        raise click.UsageError("FOLDER goes with --format datapackage, and only with it.")
    bind()
    schema_ready()
    with db.db.connection_context(), db.db.atomic():  # one snapshot of the data
        if fmt == "datapackage":
            package = write_package(folder, data_version())
            click.echo(f"{folder / 'datapackage.json'}: {len(package['resources'])} resources")
            return
        for chunk in export_lines(fmt):
            click.echo(chunk, nl=False)


def default_workers() -> int:
    """A granian worker per core (two at least, eight at most): each runs the app on several
    threads, so more processes than cores only contend for them."""
    return max(2, min(os.cpu_count() or 1, 8))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=default_workers,
    show_default="one per core, 2 to 8",
    type=click.IntRange(1, 64),
)
@click.option(
    "--deliver/--no-deliver",
    default=None,
    help="run a webhook delivery worker beside the API  [default: on SQLite only; on "
    "PostgreSQL, run `meetings deliver` apart]",
)
def serve(host, port, workers, deliver):
    """Serve the API with granian; a database that never held a meeting gets the seeds first."""
    url = bind()
    schema_ready()
    # A database that never held a meeting (not one deleted since) gets the seed records; the
    # lock keeps instances starting together on a new database from seeding it twice.
    with db.db.connection_context(), exclusive():
        if not Change.select().exists() and not Meeting.select().exists():
            click.echo(f"new database at {url}: {seed_files(None, None)}", err=True)
    click.echo(f"serving http://{host}:{port}/v1/meetings (docs at /docs)", err=True)
    from api.http.public_url import served_at
    from api.http.serving import run

    # Links name the address served at, unless a public URL or trusted proxies say otherwise.
    app = functools.partial(create_app, {"SERVED_AT": served_at(host, port)})
    worker = None
    if deliver if deliver is not None else url.startswith("sqlite"):
        # A process of its own (granian forks its workers: a thread here would share their
        # database files), which ends with this one.
        worker = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "deliver", "--parent", str(os.getpid())]
        )
    try:
        run(app, host, port, workers)
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)


@main.command()
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="write to this file instead of standard output",
)
def openapi(output):
    """Print the generated OpenAPI description (YAML), as committed in openapi.yaml."""
    from api.http.openapi import spec_yaml

    try:
        app = create_app({"DATABASE_URL": "sqlite:///" + os.devnull})
    except db.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    text = spec_yaml(app.extensions["flask-smorest"]["apis"][""]["ext_obj"])
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
