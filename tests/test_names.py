"""Every seed person's name is written as their article writes it, family name first for
Korean and Chinese names; the other name fields agree with it."""

import os
from pathlib import Path

import pytest

from api.services.seeding import default_seed_files, read_seed_file

SEEDS = [read_seed_file(path) for path in default_seed_files()]
PEOPLE = {p["id"]: (p, data) for data in SEEDS for p in data["people"]}
# How each article writes each name (the ministry writes Kamikawa's family name first, in
# capitals; the forum reply writes Kim's without the hyphen).
WRITTEN = {
    "cho-tae-yul": ["Cho Tae-yul"],
    "moon-jae-in": ["Moon Jae-in"],
    "li-keqiang": ["Li Keqiang"],
    "yoon-suk-yeol": ["Yoon Suk-yeol"],
    "kim-dae-jung": ["Kim Dae-jung", "Kim Dae Jung"],
    "takeshi-iwaya": ["Takeshi Iwaya"],
    "shinzo-abe": ["Shinzo Abe"],
    "yoko-kamikawa": ["KAMIKAWA Yoko"],
    "alberto-leo-van-klaveren-stork": ["Alberto Leo van Klaveren Stork"],
    "fumio-kishida": ["Fumio\u00a0Kishida", "Fumio Kishida"],
    "junichiro-koizumi": ["Junichiro Koizumi"],
    "keizo-obuchi": ["Keizo Obuchi"],
    "akihito": [],  # "the Tenno": named from outside knowledge, said so in the evidence
}
FAMILY_FIRST = {"KR", "CN"}


def test_every_seed_person_is_listed_here():
    assert set(PEOPLE) == set(WRITTEN)


@pytest.mark.parametrize("person_id", sorted(WRITTEN))
def test_name_fields_agree_with_each_other(person_id):
    person, _ = PEOPLE[person_id]
    given, family = person["given_name"], person["family_name"]
    if person["name_order"] == "single":
        assert family is None and person["name"] == given == person["sort_name"]
        return
    first_family = person["country"] in FAMILY_FIRST
    assert person["name_order"] == ("family_first" if first_family else "given_first")
    order = (family, given) if first_family else (given, family)
    assert person["name"] == " ".join(order)
    assert person["sort_name"] == f"{family}, {given}"
    assert person["id"] == person["name"].lower().replace(" ", "-")


@pytest.mark.parametrize("person_id", sorted(WRITTEN))
def test_names_are_spelled_as_their_article_spells_them(person_id):
    where = os.environ.get("MEETINGS_ARTICLES_DIR")
    if not where:
        pytest.skip("MEETINGS_ARTICLES_DIR is not set to the folder of seed articles")
    _, data = PEOPLE[person_id]
    texts = [(Path(where) / s["seed_file"]).read_text(encoding="utf-8") for s in data["sources"]]
    for spelling in WRITTEN[person_id]:
        assert any(spelling in text for text in texts), spelling
    # Korean and Chinese names: never given name first.
    person, _ = PEOPLE[person_id]
    if person["country"] in FAMILY_FIRST:
        inverted = f"{person['given_name']} {person['family_name']}"
        assert not any(inverted in text for text in texts)
