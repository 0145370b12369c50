"""`meetings deliver`: the webhook delivery worker."""

import os
import signal
import threading

import click

from api.cli.setup import bind, schema_ready
from api.config import load
from api.services import deliveries


def _watch(parent: int, stop: threading.Event) -> None:
    while not stop.wait(1):
        if os.getppid() != parent:
            stop.set()


@click.command()
@click.option(
    "--poll",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.05, 60),
    help="seconds to rest when nothing is due",
)
@click.option("--parent", type=int, hidden=True, help="stop when this process is gone")
def deliver(poll, parent):
    """Deliver webhooks until stopped (SIGTERM or Ctrl-C ends it after the delivery in hand).
    Run as many as you like, on as many machines: they share the subscriptions."""
    bind()
    schema_ready(create=False)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    click.echo("delivering webhooks", err=True)
    if parent:
        # `meetings serve`'s worker: gone with it, however it ended.
        threading.Thread(target=_watch, args=(parent, stop), daemon=True).start()
    deliveries.run(deliveries.settings_from(load()), stop, poll=poll)
    click.echo("stopped", err=True)
