"""Loading BAN CSV files: streamed, upserted by BAN id, those gone deleted, a wrong header refused."""

import csv
import gzip
from pathlib import Path

import pytest
from sqlalchemy import text

from core.errors import InvalidAddressFile
from core.settings import PROJECT_ROOT
from geo.addresses import load_file
from geo.demo_addresses import HEADER, cached_csv


def _rows() -> list[dict[str, str]]:
    with gzip.open(cached_csv(PROJECT_ROOT / ".data" / "addresses"), "rt", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_loading_the_same_file_again_changes_nothing(session):
    before = session.scalar(text("SELECT count(*) FROM addresses"))
    seen = []
    result = load_file(session=session, path=cached_csv(PROJECT_ROOT / ".data" / "addresses"),
                       progress=lambda done, total: seen.append((done, total)))
    assert (result.written, result.deleted, result.kept) == (0, 0, before)
    assert result.departments == ["69"]
    assert seen and seen[-1][0] == seen[-1][1]  # progress reached the end of the file


def test_a_refresh_updates_adds_and_deletes_by_ban_id(session, tmp_path):
    rows = _rows()[:500]
    moved, gone = rows[0], rows[1]
    moved = {**moved, "nom_voie": "Rue Renommée"}
    added = {**rows[2], "id": rows[2]["id"] + "_nouveau", "numero": "777"}
    outside = {**rows[3], "id": "01001_0001_00001", "code_insee": "01001", "nom_commune": "Ailleurs"}
    result = load_file(session=session, path=_write(tmp_path / "adresses-69.csv", [moved, *rows[2:], added, outside]))
    assert result.rows == 501
    assert result.written == 2  # the renamed one and the new one; the 498 unchanged are not rewritten
    assert result.kept == 500  # 498 unchanged, the renamed one, the new one; not the one gone nor the outsider
    assert session.scalar(text("SELECT street_name FROM addresses WHERE id = :i"), {"i": moved["id"]}) == "Rue Renommée"
    assert session.scalar(text("SELECT count(*) FROM addresses WHERE id IN (:g, :o)"),
                          {"g": gone["id"], "o": outside["id"]}) == 0
    assert session.scalar(text("SELECT count(*) FROM address_places WHERE name = 'Rue Renommée'")) == 1


def test_a_file_that_is_not_a_ban_file_is_refused(session, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("name,email\nAda,ada@example.org\n")
    with pytest.raises(InvalidAddressFile) as caught:
        load_file(session=session, path=path)
    assert "nom_voie" in caught.value.detail_en
