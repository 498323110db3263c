"""Unit tests of spotify_warehouse, the infrastructure models_ml and reports share: the one
version number, the all-or-nothing folder write, one-line error text."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import models_ml
import reports
import spotify_warehouse
from spotify_warehouse import folders, version
from spotify_warehouse.text import first_line
from tests.support import ROOT


def test_one_version_read_from_pyproject() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert spotify_warehouse.__version__ == declared
    assert models_ml.__version__ == reports.__version__ == declared
    assert "version:" not in (ROOT / "dbt_project.yml").read_text().split("config-version")[0]


def test_version_falls_back_when_no_pyproject_is_beside_the_package(tmp_path: Path) -> None:
    assert version.source_version(tmp_path / "pyproject.toml") is None
    other = tmp_path / "pyproject.toml"
    other.write_text('[project]\nname = "someone-else"\nversion = "9.9"\n')
    assert version.source_version(other) is None  # not our project's file
    assert version.project_version(other)  # the installed metadata, or UNKNOWN


def test_swap_in_replaces_the_whole_folder(tmp_path: Path) -> None:
    target = tmp_path / "site"
    target.mkdir()
    (target / "old.html").write_text("old")
    with folders.staged(target) as staging:
        (staging / "new.html").write_text("new")
        folders.swap_in(staging, target)
    assert [path.name for path in target.iterdir()] == ["new.html"]
    assert [path.name for path in tmp_path.iterdir()] == ["site"]  # no staging, no retired


def test_a_failed_write_leaves_the_old_folder_and_no_leftovers(tmp_path: Path) -> None:
    target = tmp_path / "site"
    target.mkdir()
    (target / "old.html").write_text("old")
    with pytest.raises(RuntimeError), folders.staged(target) as staging:
        (staging / "half.html").write_text("half")
        raise RuntimeError("render failed")
    assert [path.name for path in target.iterdir()] == ["old.html"]
    assert [path.name for path in tmp_path.iterdir()] == ["site"]


class _SeleniumLike(Exception):
    def __init__(self, msg: str) -> None:
        super().__init__()
        self.msg = msg


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (ValueError("first\nsecond"), "first"),
        (ValueError("  \n"), "ValueError"),
        (_SeleniumLike("session not created\nStacktrace: ..."), "session not created"),
    ],
)
def test_first_line(error: BaseException, expected: str) -> None:
    assert first_line(error) == expected
