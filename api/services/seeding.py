"""Loading the hand-mapped seed files: validate everything, then store it in one transaction."""

import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import yaml
from marshmallow import ValidationError

from api.common import jsontext
from api.db import db
from api.services import aliases
from api.services.verify import verify_seed
from api.store.meetings import Conflict, save_meetings
from api.store.shared_records import Policy, References
from schemas.seedfile import SeedFile


class SeedError(Exception):
    """A seed file that cannot be loaded; names the file and every field at fault."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = str(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))


class _Loader(yaml.SafeLoader):
    """YAML without the 1.1 surprises: dates stay strings and `NO` (Norway) is not False."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def flatten(messages, prefix: str = "") -> list[str]:
    """marshmallow's nested messages as `meetings[0].parties[1]: ...` lines."""
    if isinstance(messages, dict):
        lines = []
        for key, value in messages.items():
            name = (
                f"{prefix}[{key}]"
                if isinstance(key, int)
                else (f"{prefix}.{key}" if prefix else str(key))
            )
            lines += flatten(value, name)
        return lines
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [f"{prefix}: {m}" if prefix else m for m in messages]
    return [f"{prefix}: {messages}"]


def default_seed_files() -> list[Path]:
    return sorted(Path(str(p)) for p in files("seeds").iterdir() if p.name.endswith(".yaml"))


def read_seed_file(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(path, [f"cannot be read: {exc}"]) from None
    return parse_seed(text, path)


def parse_seed(text: str, path: Path | str) -> dict:
    """A seed file's text, validated, with every meeting backed by the file's source."""
    try:
        # Read as JSON is (common.jsontext): too deep, a lone surrogate or a NUL is a ValueError.
        raw = jsontext.loads(text, parse=lambda text: yaml.load(text, Loader=_Loader))
    except (yaml.YAMLError, ValueError) as exc:
        raise SeedError(path, [f"cannot be read: {exc}"]) from None
    if not isinstance(raw, dict):
        raise SeedError(path, ["expected a mapping with source, people and meetings"])
    try:
        data = SeedFile().load(raw)
    except ValidationError as exc:
        raise SeedError(path, flatten(exc.messages)) from None
    for meeting in data["meetings"]:
        meeting["sources"] = meeting["sources"] or [data["source"]["id"]]
    return data


def check_articles(path: Path, data: dict, articles_dir: Path) -> None:
    """What `meetings verify` checks: every source's hash, every evidence passage at its
    offsets, every quote verbatim, every fact with evidence (`api.services.verify`)."""
    failures = verify_seed(data, articles_dir).failures
    if failures:
        raise SeedError(path, failures)


def with_references(meetings: list[dict], people: dict, sources: dict) -> list[dict]:
    """The meetings with the people and sources their files define given whole, as the write
    path takes them: one way in for seeds, imports and the API."""
    for meeting in meetings:
        for participant in meeting["participants"]:
            participant["person"] = people.get(participant["person"], participant["person"])
        meeting["sources"] = [sources.get(s, s) for s in meeting["sources"]]
    return meetings


@dataclass
class SeedSummary:
    files: int = 0
    meetings: dict[str, int] = field(default_factory=dict)

    def __str__(self):
        counts = ", ".join(f"{n} {what}" for what, n in sorted(self.meetings.items()))
        return f"{self.files} seed files: meetings {counts or 'none'}"


def load_seeds(paths: list[Path] | None = None, articles_dir: Path | None = None) -> SeedSummary:
    """Validate every file, then store them all in one transaction, or nothing."""
    paths = default_seed_files() if paths is None else paths
    people, sources, meetings, origin, renames = {}, {}, [], {}, []
    for path in paths:
        data = read_seed_file(path)
        if articles_dir is not None:
            check_articles(path, data, articles_dir)
        for i, person in enumerate(data["people"]):
            if people.setdefault(person["id"], person) != person:
                raise SeedError(path, [f"people[{i}]: {person['id']!r} differs from another file"])
        for source in data["sources"]:
            if source["id"] in sources:
                raise SeedError(path, [f"source.id: {source['id']!r} is used by another file too"])
            sources[source["id"]] = source
        renames += data["renames"]
        for i, meeting in enumerate(data["meetings"]):
            if meeting["id"] in origin:
                raise SeedError(
                    path,
                    [f"meetings[{i}].id: {meeting['id']!r} is in {origin[meeting['id']][0]} too"],
                )
            origin[meeting["id"]] = (path, i)
            meetings.append(meeting)
    with_references(meetings, people, sources)
    with db.atomic():
        try:
            # Seed files are their people's and source's own records.
            outcome = aliases.renaming(
                renames,
                lambda: save_meetings(meetings, references=References(meetings, Policy.OWN)),
            )
        except Conflict as exc:
            path, index = origin[exc.meeting_id]
            raise SeedError(path, [f"meetings[{index}].{exc.field}: {exc}"]) from None
    summary = SeedSummary(files=len(paths))
    for what in outcome.values():
        summary.meetings[what] = summary.meetings.get(what, 0) + 1
    return summary
