"""Dumps a data team can check: a Frictionless Data Package of every meeting, from the command
and from `/v1/dumps/latest`, each file with its size and SHA-256 (and `Content-Digest`)."""

import base64
import hashlib
import json

import pytest
from click.testing import CliRunner
from conftest import new_meeting
from frictionless import Package

from api.cli import main
from api.http.formats import CSV_COLUMNS


def exported(tmp_path, database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    folder = tmp_path / "package"
    result = CliRunner().invoke(main, ["export", "--format", "datapackage", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def test_the_exported_package_validates_and_every_hash_and_size_is_right(
    client, tmp_path, database_url, monkeypatch
):
    folder = exported(tmp_path, database_url, monkeypatch)
    report = Package(str(folder / "datapackage.json")).validate()
    assert report.valid, report.flatten(["type", "message"])
    descriptor = json.loads((folder / "datapackage.json").read_text())
    total = client.get("/v1/meetings").get_json()["meta"]["total"]
    for resource in descriptor["resources"]:
        data = (folder / resource["path"]).read_bytes()
        assert resource["bytes"] == len(data)
        assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
    lines = (folder / "meetings.ndjson").read_text().splitlines()
    assert len(lines) == total and json.loads(lines[0])["id"]
    header = (folder / "meetings.csv").read_text().splitlines()[0].split(",")
    assert header == list(CSV_COLUMNS)


def test_a_changed_file_fails_the_packages_check(tmp_path, database_url, monkeypatch):
    folder = exported(tmp_path, database_url, monkeypatch)
    table = folder / "meetings.csv"
    table.write_text(table.read_text().replace("summit", "sumXit", 1))
    report = Package(str(folder / "datapackage.json")).validate()
    assert not report.valid
    assert "hash-count" in {error.type for task in report.tasks for error in task.errors}


@pytest.mark.parametrize("args", [["--format", "datapackage"], ["--format", "csv", "somewhere"]])
def test_a_folder_goes_with_a_package_only(args, database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(main, ["export", *args])
    assert result.exit_code == 2 and "FOLDER" in result.output


def test_the_latest_dump_is_served_with_digests_and_follows_writes(client, auth):
    package = client.get("/v1/dumps/latest").get_json()
    assert package["profile"] == "data-package"
    for resource in package["resources"]:
        with client.get(resource["path"]) as response:
            assert response.status_code == 200
            data = response.get_data()
            sent = response.headers["Content-Digest"]
        assert len(data) == resource["bytes"]
        digest = hashlib.sha256(data)
        assert resource["hash"] == "sha256:" + digest.hexdigest()
        assert sent == f"sha-256=:{base64.b64encode(digest.digest()).decode()}:"
        with client.get(resource["path"], headers={"Range": "bytes=0-9"}) as part:
            assert part.status_code == 206 and len(part.get_data()) == 10
            # The digest of the whole file, named as such; none claims to be the part's.
            assert part.headers["Repr-Digest"] == sent
            assert "Content-Digest" not in part.headers
    assert client.get("/v1/dumps/latest").get_json()["version"] == package["version"]
    body = new_meeting(id="dumped-later")
    assert client.post("/v1/meetings", json=body, headers=auth).status_code == 201
    newer = client.get("/v1/dumps/latest").get_json()
    assert newer["version"] != package["version"]
    with client.get(newer["resources"][0]["path"]) as response:
        assert '"dumped-later"' in response.get_data(as_text=True)
    # The superseded dump's files are gone, and no other file is served.
    assert client.get(package["resources"][0]["path"]).status_code == 404
    folder = newer["resources"][0]["path"].rpartition("/")[0]
    assert client.get(f"{folder}/datapackage.json").status_code == 404
    assert client.get(f"{folder}/../../../etc/passwd").status_code == 404
