"""Shared, session-scoped warehouses: the fixture build and the full real-data build.

Both are built once per test session into a temporary directory and opened read-only by
the tests that need them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from reports.build import BuildResult, build_site
from tests.support import FIXTURE_VARS, REAL_INCOMING, REAL_RAW, DbtResult, run_dbt


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtResult]:
    """`dbt build` of the committed fixture into a temporary warehouse."""
    workdir = tmp_path_factory.mktemp("fixture_build")
    warehouse = workdir / "warehouse.duckdb"
    result = run_dbt(["build"], workdir, warehouse, FIXTURE_VARS)
    assert result.ok, result.output[-5000:]
    return warehouse, result


@pytest.fixture(scope="session")
def fixture_db(fixture_build: tuple[Path, DbtResult]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(fixture_build[0]), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, DbtResult]:
    """`dbt build` of the full raw files in data/raw into a temporary warehouse."""
    workdir = tmp_path_factory.mktemp("real_build")
    warehouse = workdir / "warehouse.duckdb"
    dbt_vars = {"raw_data_dir": str(REAL_RAW), "incoming_dir": str(REAL_INCOMING)}
    result = run_dbt(["build"], workdir, warehouse, dbt_vars, timeout=1800)
    assert result.ok, result.output[-5000:]
    return warehouse, workdir, result


@pytest.fixture(scope="session")
def real_db(real_build: tuple[Path, Path, DbtResult]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(real_build[0]), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def fixture_site(
    fixture_build: tuple[Path, DbtResult], tmp_path_factory: pytest.TempPathFactory
) -> BuildResult:
    """The site built from the fixture warehouse, with every chart spec validated."""
    output = tmp_path_factory.mktemp("fixture_site") / "site"
    return build_site(fixture_build[0], output, validate_charts=True)


@pytest.fixture(scope="session")
def real_site(real_build: tuple[Path, Path, DbtResult]) -> BuildResult:
    """The site built from the real-data warehouse, as `make` builds it."""
    warehouse, workdir, _ = real_build
    return build_site(warehouse, workdir / "site")
