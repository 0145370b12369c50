"""Every fact of every seed meeting has evidence, and `meetings verify` checks each passage
against the articles: hashes, offsets, prefixes and suffixes, quotes."""

import copy
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from marshmallow import ValidationError

from api.cli import main
from api.services.seeding import default_seed_files, read_seed_file
from api.services.verify import verify_seed
from schemas.evidence import EvidenceIn, covers, facts, resolve

ARTICLES_DIR = os.environ.get("MEETINGS_ARTICLES_DIR")
SEEDS = {path.name: read_seed_file(path) for path in default_seed_files()}


def articles(tmp_path) -> Path:
    if not ARTICLES_DIR or not Path(ARTICLES_DIR).is_dir():
        pytest.skip("MEETINGS_ARTICLES_DIR is not set to the folder of seed articles")
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES_DIR, folder)
    return folder


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_fact_of_every_seed_meeting_has_evidence_or_a_basis(name):
    for meeting in SEEDS[name]["meetings"]:
        for fact in facts(meeting):
            backing = [e for e in meeting["evidence"] if covers(e["field"], fact)]
            assert backing, f"{meeting['id']} {fact}"
            for entry in backing:
                assert entry["basis"] == "reported" or entry["note"], (meeting["id"], fact)
        for entry in meeting["evidence"]:
            resolve(meeting, entry["field"])  # names a part of the record
            assert entry["source"] in meeting["sources"]


def test_verify_finds_every_passage_at_its_offsets(tmp_path):
    folder = articles(tmp_path)
    for name, data in SEEDS.items():
        report = verify_seed(data, folder)
        assert report.failures == [], name
        passages = sum(1 for m in data["meetings"] for e in m["evidence"] if e["exact"])
        assert sum(t.verified for t in report.tallies.values()) == passages


def test_verify_command_prints_the_table_and_the_fidelity_figure(tmp_path):
    result = CliRunner().invoke(main, ["verify", "--articles", str(articles(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "facts backed by a passage:" in result.output
    for data in SEEDS.values():
        assert all(s["id"] in result.output for s in data["sources"])


def _failures(data, folder) -> list[str]:
    return verify_seed(data, folder).failures


def test_a_changed_article_byte_fails_naming_the_source_and_the_fact(tmp_path):
    folder = articles(tmp_path)
    data = SEEDS["000_53470c792a8d8faa.yaml"]
    article = folder / data["source"]["seed_file"]
    text = article.read_text(encoding="utf-8")
    article.write_text(text.replace("on Wednesday", "on Thursday"), encoding="utf-8")
    failures = _failures(data, folder)
    source = data["source"]["id"]
    assert any(f.startswith(f"source {source}: sha256") for f in failures)
    assert any(
        f.startswith(f"source {source}: 2024-12-11-jp-kr-foreign-ministers-phone-call /date:")
        for f in failures
    )


def test_a_shifted_offset_fails_naming_the_source_and_the_fact(tmp_path):
    data = copy.deepcopy(SEEDS["003_fcbfd59b685d7abd.yaml"])
    entry = data["meetings"][0]["evidence"][4]
    entry["start"] += 1
    entry["end"] += 1
    (failure,) = _failures(data, articles(tmp_path))
    assert failure.startswith(f"source {data['source']['id']}: 2024-09-06-jp-kr-summit")
    assert entry["field"] in failure and "is not at" in failure


def test_an_edited_quote_fails_naming_the_source_and_the_fact(tmp_path):
    data = copy.deepcopy(SEEDS["002_c24b691bdf0ac0b6.yaml"])
    entry = data["meetings"][0]["evidence"][-2]
    entry["exact"] = entry["exact"].replace("salmon", "tuna")
    data["meetings"][0]["discussed"][4]["quote"] = "wine and tuna"
    failures = _failures(data, articles(tmp_path))
    meeting = data["meetings"][0]["id"]
    assert any(f"{meeting} {entry['field']}: " in f for f in failures)
    assert any(f"{meeting} /discussed/4: quote not verbatim" in f for f in failures)


def test_a_wrong_prefix_or_suffix_fails(tmp_path):
    data = copy.deepcopy(SEEDS["001_b9bfcf4e5ab9e0c5.yaml"])
    evidence = data["meetings"][0]["evidence"]
    evidence[2]["prefix"] = "x" + evidence[2]["prefix"][1:]
    evidence[3]["suffix"] = evidence[3]["suffix"][:-1] + "x"
    failures = _failures(data, articles(tmp_path))
    assert len(failures) == 2
    assert "prefix" in failures[0] and evidence[2]["field"] in failures[0]
    assert "suffix" in failures[1] and evidence[3]["field"] in failures[1]


def test_a_wrong_hash_fails_and_the_command_exits_non_zero(tmp_path):
    folder = articles(tmp_path)
    seed = tmp_path / "004_e95b30d16cc201fb.yaml"
    text = default_seed_files()[4].read_text(encoding="utf-8")
    seed.write_text(re.sub(r"sha256: 4840", "sha256: 0840", text), encoding="utf-8")
    result = CliRunner().invoke(main, ["verify", "--articles", str(folder), str(seed)])
    assert result.exit_code == 1
    assert "source korea-herald-2002-06-28-korea-japan-new-partnership-summit: sha256" in (
        result.output
    )


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"field": "/date", "source": "s", "exact": "x"}, "exact"),
        ({"field": "/date", "source": "s", "exact": "abc", "start": 0, "end": 2}, "end"),
        ({"field": "/date", "basis": "inferred"}, "note"),
        ({"field": "/date", "basis": "outside_knowledge"}, "note"),
        ({"field": "date", "basis": "inferred", "note": "n"}, "field"),
        ({"field": "/date", "exact": "abc", "start": 0, "end": 3}, "source"),
        ({"field": "/date"}, "exact"),
    ],
)
def test_evidence_entries_are_validated(entry, field):
    with pytest.raises(ValidationError) as raised:
        EvidenceIn().load(entry)
    assert field in raised.value.messages
