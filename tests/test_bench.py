"""The benchmark command runs end to end on a tiny database (it times nothing here)."""

import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.e2e


@pytest.mark.skipif(
    shutil.which("wrk") is None, reason="wrk is not installed (apt-get install wrk)"
)
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_benchmark_runs_end_to_end_on_a_tiny_database(tmp_path, database, request):
    if database == "postgresql":
        request.getfixturevalue("postgres")  # the server binaries, or a skip (or a failure)
    output = tmp_path / "results.md"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--n",
            "200",
            "--seconds",
            "2",
            "--workers",
            "2",
            "--data",
            str(tmp_path / "data"),
            "--output",
            str(output),
            "--database",
            database,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    table = output.read_text()
    assert "ceiling: bare Flask" in table and "N = 200 meetings" in table
    assert {"sqlite": "threads, SQLite.", "postgresql": "threads, PostgreSQL ("}[database] in table
    rows = [line for line in table.splitlines() if line.startswith("| `GET /v1/")]
    # The reads the budgets name are all there, each with a share of the ceiling.
    for read in (
        "/v1/meetings/{id}`",
        "/v1/meetings/{id} (304)`",
        "/v1/meetings?country=JP&limit=20`",
        "/v1/meetings?q=resilience&limit=20`",
        "/v1/meetings?country=JP&country=KR&from=2000-01-01&limit=20`",
    ):
        assert any(row.startswith(f"| `GET {read}") for row in rows), (read, rows)
    # Every request of every endpoint was answered (200 or 304), none failed.
    for row in rows:
        assert "errors" not in row, row
    assert "Import: 200 meetings" in table
    if database == "sqlite":  # kept for the next run; a throwaway cluster is gone
        assert (tmp_path / "data" / "n200" / "built.json").exists()
