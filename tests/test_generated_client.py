"""A client generated from the committed spec with openapi-python-client: functions named by
operation, one type for each enum, and it works against the real server."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, cli_key, new_meeting, serve

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("client")
    tool = Path(sys.executable).with_name("openapi-python-client")
    # The generator formats what it writes with ruff, which the test extra installs beside it.
    env = {**os.environ, "PATH": f"{tool.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(
        [str(tool), "generate", "--path", str(ROOT / "openapi.yaml"), "--meta", "none"]
        + ["--output-path", str(folder / "meetings_client")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module("meetings_client"), folder / "meetings_client"
    finally:
        sys.path.remove(str(folder))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "MEETINGS_DATA_DIR": str(data)}
    env.pop("DATABASE_URL", None)
    with serve(data, env, workers=1) as running:
        yield {**running, "key": cli_key(env, "client")}


def test_functions_are_named_by_operation_and_each_enum_is_one_type(generated):
    _, folder = generated
    functions = {p.stem for p in (folder / "api").rglob("*.py") if p.stem != "__init__"}
    assert {"list_meetings", "get_meeting", "create_meeting", "count_meeting_facets"} <= functions
    assert not [f for f in functions if f.startswith(("get_v1", "post_v1"))]
    models = {p.stem for p in (folder / "models").glob("*.py")}
    assert {"side", "meeting_type", "meeting_status", "country_code"} <= models
    # No copy of an enum or an inline object made for each place that takes it.
    assert not [m for m in models if m.endswith(("_side", "_type_1")) or "_type_1_" in m]
    assert not [m for m in models if m.endswith(("_format", "_status")) and m.count("_") > 1]


def test_the_client_reads_and_writes_against_the_server(generated, server):
    package, _ = generated
    from meetings_client.api.facets import count_meeting_facets
    from meetings_client.api.meetings import create_meeting, get_meeting, list_meetings
    from meetings_client.models import CountryCode, MeetingWrite, Side

    with package.Client(base_url=server["base"]) as client:
        page = list_meetings.sync(client=client, country=[CountryCode.KR], limit=3)
        assert len(page.data) == 3 and page.meta.total >= 3
        meeting = get_meeting.sync(meeting_id="2024-09-06-jp-kr-summit", client=client)
        assert meeting.title == "Japan–South Korea summit in Seoul"
        assert {p.side for p in meeting.participants} == {Side.HOST, Side.GUEST}
        facets = count_meeting_facets.sync(client=client, country=[CountryCode.KR])
        assert facets.meta.total == page.meta.total
    token = server["key"]
    with package.AuthenticatedClient(base_url=server["base"], token=token) as writer:
        body = MeetingWrite.from_dict(new_meeting(id="client-made"))
        made = create_meeting.sync_detailed(client=writer, body=body)
    assert made.status_code == 201 and made.parsed.id == "client-made"
