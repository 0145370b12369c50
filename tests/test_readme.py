"""The README's examples, run in order against a fresh `meetings serve` of the seeded embedded
database, as a reader would run them with `curl` and `jq`: each prints what the README shows.

What differs from run to run is set aside on both sides before comparing: the server's port,
cursors (the README shortens them), instants, and the digests of dumps. JSON is compared as
JSON, so the README may lay it out for reading."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, serve

pytestmark = pytest.mark.e2e

SHOWN_BASE = "http://127.0.0.1:8000"
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
_HEREDOC = re.compile(r"<<'?(\w+)'?")
_VARYING = [
    (re.compile(r"cursor=[^&>\"\s]+"), "cursor=…"),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z"), "<instant>"),
    (re.compile(r"DTSTAMP:\d{8}T\d{6}Z"), "DTSTAMP:<instant>"),
    (re.compile(r"sha-256=:[A-Za-z0-9+/=]+:"), "sha-256=:…:"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"/v1/dumps/v[0-9a-z.-]+/"), "/v1/dumps/v…/"),
]


def examples(text: str) -> list[tuple[str, str]]:
    """Each `$ command` of the README's shell blocks, with the output shown under it."""
    found = []
    for block in _BLOCK.findall(text):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            if not lines[i].startswith("$ "):
                i += 1
                continue
            command = [lines[i][2:]]
            while command[-1].endswith("\\"):
                i += 1
                command.append(lines[i])
            if heredoc := _HEREDOC.search(command[0] + "".join(command[1:])):
                while lines[i] != heredoc.group(1):
                    i += 1
                    command.append(lines[i])
            i += 1
            output = []
            while i < len(lines) and not lines[i].startswith("$ "):
                output.append(lines[i])
                i += 1
            found.append(("\n".join(command), "\n".join(output)))
    return found


def normal(text: str, base: str):
    """`text` with what varies set aside: a list of JSON values where it is JSON, else its
    lines, header names in lower case (HTTP/1.1 servers may send either)."""
    text = text.replace(base, SHOWN_BASE)
    for pattern, stand_in in _VARYING:
        text = pattern.sub(stand_in, text)
    values, decoder, at = [], json.JSONDecoder(), 0
    try:
        while text[at:].strip():
            at += len(text[at:]) - len(text[at:].lstrip())
            value, at = decoder.raw_decode(text, at)
            values.append(value)
        if values:
            return values
    except json.JSONDecodeError:
        pass
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return [
        line.lower() if line.startswith("HTTP/") else re.sub(r"^[\w-]+:", _lower, line)
        for line in lines
    ]


def _lower(match: re.Match) -> str:
    return match.group(0).lower()


def test_the_readme_shows_its_examples_as_they_run(tmp_path):
    missing = [tool for tool in ("curl", "jq") if shutil.which(tool) is None]
    if missing and not os.environ.get("CI"):
        pytest.skip(f"{' and '.join(missing)} not installed (.ci/run installs them)")
    # The examples call `.venv/bin/meetings`, as the quick start makes it.
    (tmp_path / ".venv").symlink_to(Path(sys.prefix))
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'meetings.db'}",
        "MEETINGS_DUMP_DIR": str(tmp_path / "dumps"),
    }
    for name in ("MEETINGS_READ_RATE_LIMIT", "MEETINGS_WRITE_RATE_LIMIT", "MEETINGS_PUBLIC_URL"):
        env.pop(name, None)
    shown = examples((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(shown) >= 30
    with serve(tmp_path, env, workers=1) as running:
        base = running["base"]
        script = ["set -e"]
        for i, (command, _) in enumerate(shown):
            # A marker on a line of its own, though an output may not end its last line.
            script += [f"printf '\\n\\036{i}\\n'", command.replace(SHOWN_BASE, base)]
        ran = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert ran.returncode == 0, ran.stderr
    outputs = re.split(r"\n\x1e\d+\n", ran.stdout)[1:]
    assert len(outputs) == len(shown)
    differ = [
        f"$ {command}\n--- README:\n{expected}\n--- ran:\n{actual}"
        for (command, expected), actual in zip(shown, outputs, strict=True)
        if normal(actual, base) != normal(expected, base)
    ]
    assert not differ, "\n\n".join(differ)
