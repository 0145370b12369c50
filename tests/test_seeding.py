"""`meetings seed`: validated, all or nothing, idempotent; `--articles` checks hashes and quotes."""

import re
import shutil

import pytest
import yaml
from click.testing import CliRunner
from conftest import ARTICLES_DIR

from api import db
from api.cli import main
from api.migrations import migrate
from api.models import Meeting
from api.services.seeding import default_seed_files


@pytest.fixture
def seed_dir(tmp_path):
    folder = tmp_path / "seeds"
    folder.mkdir()
    for path in default_seed_files():
        shutil.copy(path, folder)
    return folder


@pytest.fixture
def run(empty_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database_url)

    def invoke(*args):
        return CliRunner().invoke(main, list(map(str, args)))

    return invoke


def snapshot():
    with db.db.connection_context():
        return {m.id: (m.revision, m.updated_at, m.content_hash) for m in Meeting.select()}


def edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_seed_loads_everything_and_reloading_changes_nothing(run, seed_dir):
    files = sorted(seed_dir.glob("*.yaml"))
    first = run("seed", *files)
    assert first.exit_code == 0, first.output
    assert "created" in first.output
    before = snapshot()
    assert len(before) >= 10
    second = run("seed", *files)
    assert second.exit_code == 0, second.output
    assert "unchanged" in second.output and "created" not in second.output
    assert snapshot() == before


def test_changed_record_is_updated_with_a_new_revision(run, seed_dir):
    files = sorted(seed_dir.glob("*.yaml"))
    assert run("seed", *files).exit_code == 0
    before = snapshot()
    target = files[1]
    meeting_id = yaml.safe_load(target.read_text())["meetings"][0]["id"]
    edit(target, lambda d: d["meetings"][0].update(summary="A corrected summary."))
    result = run("seed", *files)
    assert result.exit_code == 0, result.output
    after = snapshot()
    assert after[meeting_id][0] == before[meeting_id][0] + 1
    assert {k: v for k, v in after.items() if k != meeting_id} == {
        k: v for k, v in before.items() if k != meeting_id
    }


BAD_EDITS = {
    "unknown country": (
        lambda d: d["meetings"][0]["parties"].append("XX"),
        "meetings[0].parties[",
        "XX",
    ),
    "bad date": (
        lambda d: d["meetings"][0].update(date="2019-02-30"),
        "meetings[0].date",
        "2019-02-30",
    ),
    "precision that does not fit": (
        lambda d: d["meetings"][0].update(date_precision="year"),
        "meetings[0].date_precision",
        "",
    ),
    "dangling relation": (
        lambda d: d["meetings"][0]["related"].append(
            {"id": "no-such-meeting", "relation": "previous"}
        ),
        "meetings[0].related",
        "no-such-meeting",
    ),
    "unknown person": (
        lambda d: d["meetings"][0]["participants"][0].update(person="nobody"),
        "meetings[0].participants",
        "nobody",
    ),
    "unknown field": (
        lambda d: d["meetings"][0].update(colour="blue"),
        "meetings[0].colour",
        "Unknown field",
    ),
    "bad enum": (lambda d: d["meetings"][0].update(format="telepathy"), "meetings[0].format", ""),
    "missing quote": (
        lambda d: d["meetings"][0]["agreed_points"][0].pop("quote"),
        "meetings[0].agreed_points[0].quote",
        "",
    ),
    "inferred date without a note": (
        lambda d: d["meetings"][0].update(date_basis="inferred", date_note=None),
        "meetings[0].date_note",
        "",
    ),
    "unknown time zone": (
        lambda d: d["meetings"][0].update(timezone="Mars/Olympus"),
        "meetings[0].timezone",
        "",
    ),
}


@pytest.mark.parametrize("name", list(BAD_EDITS))
def test_bad_seed_file_is_rejected_whole(run, seed_dir, name):
    change, field, mention = BAD_EDITS[name]
    files = sorted(seed_dir.glob("*.yaml"))
    target = next(f for f in files if yaml.safe_load(f.read_text())["meetings"][0]["agreed_points"])
    edit(target, change)
    result = run("seed", *files)
    assert result.exit_code == 1, result.output
    assert target.name in result.output and field in result.output, result.output
    assert mention in result.output
    assert "nothing was loaded" in result.output
    assert snapshot() == {}


def test_bad_file_leaves_earlier_data_as_it_was(run, seed_dir):
    files = sorted(seed_dir.glob("*.yaml"))
    assert run("seed", *files).exit_code == 0
    before = snapshot()
    edit(files[0], lambda d: d["meetings"][0].update(summary="changed"))
    edit(files[-1], lambda d: d["meetings"][-1]["parties"].append("ZZ"))
    result = run("seed", *files)
    assert result.exit_code == 1
    assert snapshot() == before


def test_duplicate_meeting_id_across_files_is_rejected(run, seed_dir):
    files = sorted(seed_dir.glob("*.yaml"))
    first_id = yaml.safe_load(files[0].read_text())["meetings"][0]["id"]
    edit(files[1], lambda d: d["meetings"][0].update(id=first_id))
    result = run("seed", *files)
    assert result.exit_code == 1 and first_id in result.output and files[1].name in result.output


def test_unreadable_yaml_is_rejected(run, seed_dir):
    bad = seed_dir / "broken.yaml"
    bad.write_text("source: [unclosed\n")
    result = run("seed", bad)
    assert result.exit_code == 1 and "broken.yaml" in result.output


def test_yaml_keeps_dates_as_text_and_norway_as_a_country(run, seed_dir):
    target = sorted(seed_dir.glob("*.yaml"))[0]
    edit(target, lambda d: d["meetings"][0]["parties"].append("NO"))
    # Unquoted, YAML 1.1 would read these as a date object and as False.
    text = re.sub(r"date: '(\d{4}-\d{2}-\d{2})'", r"date: \1", target.read_text())
    text = text.replace("- 'NO'", "- NO")
    assert "- NO\n" in text and re.search(r"date: \d{4}-\d{2}-\d{2}\n", text)
    target.write_text(text)
    result = run("seed", target)
    assert result.exit_code == 0, result.output
    meeting_id = yaml.safe_load(text)["meetings"][0]["id"]
    with db.db.connection_context():
        meeting = Meeting.get_by_id(meeting_id)
        assert "NO" in [p.country for p in meeting.parties]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meeting.date)


@pytest.fixture
def fake_articles(tmp_path):
    """Copies of the real articles, when the folder is known; else nothing to check against."""
    if ARTICLES_DIR is None or not ARTICLES_DIR.is_dir():
        pytest.skip("MEETINGS_ARTICLES_DIR is not set to the folder of seed articles")
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES_DIR, folder)
    return folder


def test_articles_check_passes_on_the_real_articles(run, seed_dir, fake_articles):
    result = run("seed", "--articles", fake_articles)
    assert result.exit_code == 0, result.output


def test_articles_check_rejects_a_quote_not_in_the_article(run, seed_dir, fake_articles):
    files = sorted(seed_dir.glob("*.yaml"))
    target = next(f for f in files if yaml.safe_load(f.read_text())["meetings"][0]["agreed_points"])
    edit(target, lambda d: d["meetings"][0]["agreed_points"][0].update(quote="Words never said."))
    result = run("seed", "--articles", fake_articles, *files)
    assert result.exit_code == 1
    assert target.name in result.output and "/agreed_points/0: quote not verbatim" in result.output
    assert snapshot() == {}


def test_articles_check_rejects_a_changed_article(run, seed_dir, fake_articles):
    article = sorted(fake_articles.glob("*.txt"))[0]
    article.write_text(article.read_text() + "\nappended", encoding="utf-8")
    result = run("seed", "--articles", fake_articles)
    assert result.exit_code == 1 and "sha256" in result.output and "does not match" in result.output


def test_init_db_is_safe_twice(run, empty_database_url):
    assert run("init-db").exit_code == 0
    assert run("init-db").exit_code == 0
    db.bind(empty_database_url)
    migrate()
    with db.db.connection_context():
        assert Meeting.table_exists()
