"""Starting the project's own processes: the `meetings` command, on a free loopback port.
The benchmark (bench/) starts its servers the same way."""

import socket
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def meetings_command() -> list[str]:
    script = Path(sys.executable).with_name("meetings")
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]
