"""Property-based run of every operation in the committed openapi.yaml against the real server
(`meetings serve`), with every check, configured by the committed `schemathesis.toml`."""

import os
import subprocess

import pytest
import schemathesis
from conftest import ROOT, serve
from hypothesis import HealthCheck, settings
from processes import meetings_command
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from schemas.meeting_rules import BEYOND_SCHEMA

pytestmark = pytest.mark.e2e

CONFIG = SchemathesisConfig.from_path(ROOT / "schemathesis.toml")
schema = schemathesis.openapi.from_path(ROOT / "openapi.yaml", config=CONFIG)


@pytest.fixture(scope="module")
def server(databases, tmp_path_factory):
    url = databases.seeded()
    folder = tmp_path_factory.mktemp("schemathesis")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        # Hundreds of requests a minute from one address: rate limits would answer most with
        # 429, and the unauthenticated writes are failed authentications, hundreds of them.
        "MEETINGS_READ_RATE_LIMIT": "off",
        "MEETINGS_WRITE_RATE_LIMIT": "off",
        "MEETINGS_AUTH_FAILURE_LIMIT": "off",
    }
    with serve(folder, env, workers=1) as running:
        # A key of both scopes: the writes of records and of webhook subscriptions are tried.
        made = subprocess.run(
            [*meetings_command(), "keys", "create", "schemathesis"]
            + ["--scope", "write", "--scope", "admin"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        yield {**running, "key": made.stdout.strip()}
    databases.drop(url)


def documented_refusal(case, response) -> bool:
    """Whether a refusal of schema-valid input is one the spec documents beyond its schemas:
    an opaque cursor the server never issued, `from` after `to`, `sort=relevance` without
    `q`, a webhook target that does not resolve to a public address, or a written meeting
    that breaks one of its rules across fields and records (`BEYOND_SCHEMA`: each such 422
    names only fields those rules cover)."""
    if response.status_code != 422:
        return False
    errors = set(response.json().get("errors", {}))
    if case.method == "GET":
        return bool(errors) and errors <= {"cursor", "from", "sort"}
    if case.path.startswith("/v1/webhooks"):
        # A target that is not a public address, or a filter whose `from` is after `to`.
        problem = response.json().get("errors", {})
        return (
            bool(errors)
            and errors <= {"url", "filter"}
            and set(problem.get("filter", {})) <= {"from"}
        )
    return case.path.startswith("/v1/meetings") and bool(errors) and errors <= set(BEYOND_SCHEMA)


def conforms(case, server, headers=None):
    # Every check runs, positive data acceptance included but for `documented_refusal`:
    # no 5xx, documented statuses, headers and content types, response schemas, rejection of
    # schema-invalid input, and for writes the follow-up requests of the stateful checks.
    response = case.call(base_url=server["base"], headers=headers, timeout=30)
    excluded = [positive_data_acceptance] if documented_refusal(case, response) else []
    case.validate_response(response, excluded_checks=excluded)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_description(case, server):
    conforms(case, server)


@schema.include(method=["POST", "PUT", "PATCH", "DELETE"]).parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_writes_with_a_key_conform(case, server):
    # As above; with a valid key the writes reach validation, preconditions and storage.
    conforms(case, server, {"Authorization": f"Bearer {server['key']}"})


def test_the_documented_refusals_are_those_the_spec_states():
    # The test forgives no refusal the spec does not name: each rule beyond the schema is in
    # the written meeting's description, and the opaque values in the introduction.
    spec = schema.raw_schema
    stated = spec["components"]["schemas"]["MeetingWrite"]["description"]
    assert all(f"`{field}`" in stated for field in BEYOND_SCHEMA)
    intro = spec["info"]["description"]
    assert "`cursor`" in intro and "`from` may not fall after `to`" in intro
    assert "webhook's `url` must resolve to public addresses only" in intro
    assert "`sort=relevance` needs `q`" in intro
