"""`meetings deliver`: the webhook delivery worker."""

import datetime as dt
import os
import signal
import threading

import click

from api.cli.setup import bind, schema_ready
from api.config import load
from api.services import deliveries, webhook_secrets, webhook_targets


def worker_settings(config: dict) -> deliveries.Settings:
    return deliveries.Settings(
        key=webhook_secrets.server_key(config["MEETINGS_WEBHOOK_KEY"]),
        policy=webhook_targets.Policy(
            allow_loopback=config["MEETINGS_WEBHOOK_ALLOW_LOOPBACK"],
            allowed_networks=config["MEETINGS_WEBHOOK_ALLOWED_NETWORKS"],
        ),
        timeout=config["MEETINGS_WEBHOOK_TIMEOUT"],
        lease=dt.timedelta(seconds=config["MEETINGS_WEBHOOK_LEASE"]),
    )


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
    deliveries.run(worker_settings(load()), stop, poll=poll)
    click.echo("stopped", err=True)
