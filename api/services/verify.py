"""Checking seed records against their articles: `meetings verify --articles DIR`.

For every source, the SHA-256 of its article's bytes. For every evidence passage, that its
`exact` text stands at `start`..`end` of the article's text (decoded from UTF-8, offsets in
code points, no normalisation) between its `prefix` and `suffix`. For every agreed point and
discussed item, that its quote stands in one of the meeting's sources (white space folded).
For every fact a meeting states, that it has evidence. Every failure names the source (or
the meeting) and the fact.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from schemas.evidence import covers, facts


@dataclass
class Tally:
    """One source's line of the table."""

    facts: int = 0
    passages: int = 0
    verified: int = 0
    failed: int = 0
    basis_only: int = 0


@dataclass
class Report:
    tallies: dict[str, Tally] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    # By field (`date`, `participants`, ...): facts, and those backed by a verified passage.
    by_field: Counter = field(default_factory=Counter)
    backed_by_field: Counter = field(default_factory=Counter)
    reported: int = 0  # facts backed by a verified passage of basis `reported`

    def add(self, other: "Report") -> None:
        self.tallies.update(other.tallies)
        self.failures += other.failures
        self.by_field.update(other.by_field)
        self.backed_by_field.update(other.backed_by_field)
        self.reported += other.reported

    def fidelity(self) -> tuple[int, int]:
        """Facts backed by a verified passage, and all facts."""
        return sum(self.backed_by_field.values()), sum(self.by_field.values())

    def table(self) -> str:
        width = max([len(s) for s in self.tallies] + [6])
        head = ("facts", "passages", "verified", "failed", "basis only")
        lines = [f"{'source':<{width}}  " + "  ".join(f"{h:>10}" for h in head)]
        for source, t in self.tallies.items():
            values = (t.facts, t.passages, t.verified, t.failed, t.basis_only)
            lines.append(f"{source:<{width}}  " + "  ".join(f"{v:>10}" for v in values))
        backed, total = self.fidelity()
        lines.append("")
        lines.append(f"facts backed by a passage: {backed} of {total} ({percent(backed, total)})")
        lines.append(
            f"  of which stated outright (reported): {self.reported} "
            f"({percent(self.reported, total)} of all facts)"
        )
        for name in sorted(self.by_field):
            n, b = self.by_field[name], self.backed_by_field[name]
            lines.append(f"  {name:<18} {b:>4} of {n:<4} ({percent(b, n)})")
        return "\n".join(lines)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def fold(text: str) -> str:
    return " ".join(text.split())


def _passage_problem(text: str, entry: dict) -> str | None:
    """What keeps a passage from standing where its selectors say, or None."""
    start, end, exact = entry["start"], entry["end"], entry["exact"]
    found = text[start:end]
    if found != exact:
        return f"{exact!r} is not at {start}..{end}: the text there is {found!r}"
    prefix, suffix = entry.get("prefix") or "", entry.get("suffix") or ""
    if prefix and text[max(0, start - len(prefix)) : start] != prefix:
        return f"prefix {prefix!r} does not stand before {exact!r} at {start}"
    if suffix and text[end : end + len(suffix)] != suffix:
        return f"suffix {suffix!r} does not stand after {exact!r} at {end}"
    return None


def read_articles(sources: list[dict], articles_dir: Path, report: Report) -> dict[str, str]:
    """Each source's article text, by source id; a hash that does not match is a failure."""
    texts = {}
    for source in sources:
        sid = source["id"]
        report.tallies.setdefault(sid, Tally())
        if not source.get("seed_file"):
            report.failures.append(f"source {sid}: no seed_file to check it against")
            continue
        article = articles_dir / source["seed_file"]
        try:
            raw = article.read_bytes()
        except OSError as exc:
            report.failures.append(f"source {sid}: cannot read {article}: {exc.strerror}")
            continue
        digest = hashlib.sha256(raw).hexdigest()
        if source.get("sha256") != digest:
            report.failures.append(
                f"source {sid}: sha256 {source.get('sha256')} does not match "
                f"{article.name} ({digest})"
            )
        try:
            texts[sid] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            report.failures.append(f"source {sid}: {article.name} is not UTF-8: {exc}")
    return texts


def check_meeting(meeting: dict, texts: dict[str, str], report: Report) -> None:
    """One meeting's evidence, quotes and coverage, counted into `report`."""
    mid, sources = meeting["id"], meeting["sources"]
    evidence = meeting.get("evidence") or []
    verified = set()  # indexes of entries whose passage stands where it says
    for i, entry in enumerate(evidence):
        sid = entry.get("source") or sources[0]
        if entry.get("exact") is None:
            continue
        tally = report.tallies.setdefault(sid, Tally())
        tally.passages += 1
        if sid not in texts:
            tally.failed += 1
            report.failures.append(f"source {sid}: {mid} {entry['field']}: no article text")
            continue
        problem = _passage_problem(texts[sid], entry)
        if problem:
            tally.failed += 1
            report.failures.append(f"source {sid}: {mid} {entry['field']}: {problem}")
        else:
            tally.verified += 1
            verified.add(i)
    for kind in ("agreed_points", "discussed"):
        for j, point in enumerate(meeting[kind]):
            quote = point.get("quote")
            if quote and not any(fold(quote) in fold(texts.get(s, "")) for s in sources):
                report.failures.append(
                    f"source {sources[0]}: {mid} /{kind}/{j}: quote not verbatim in its sources"
                )
    for fact in facts(meeting):
        backing = [i for i, e in enumerate(evidence) if covers(e["field"], fact)]
        name = fact.split("/")[1]
        report.by_field[name] += 1
        if not backing:
            report.failures.append(f"meeting {mid}: {fact}: no evidence")
            report.tallies.setdefault(sources[0], Tally()).facts += 1
            continue
        sid = evidence[backing[0]].get("source") or sources[0]
        tally = report.tallies.setdefault(sid, Tally())
        tally.facts += 1
        if any(i in verified for i in backing):
            report.backed_by_field[name] += 1
            if any(i in verified and evidence[i]["basis"] == "reported" for i in backing):
                report.reported += 1
        elif all(evidence[i].get("exact") is None for i in backing):
            tally.basis_only += 1


def verify_seed(data: dict, articles_dir: Path) -> Report:
    """A seed file's records (as `seeding.parse_seed` gives them) checked against its
    articles."""
    report = Report()
    texts = read_articles(data["sources"], articles_dir, report)
    for meeting in data["meetings"]:
        check_meeting(meeting, texts, report)
    return report
