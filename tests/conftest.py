"""Shared, session-scoped warehouses (the fixture build and the full real-data build), the
test tiers, and the one rule for tests that need Chromium.

The warehouses are built once per test session into a temporary directory and opened
read-only by the tests that need them. The real-data build starts in the background when
the session starts (at a lower priority) and its tests run last, so the other tests run
while it builds.

Tiers (pytest markers, registered in pyproject.toml):

- ``unit``: no dbt, no browser; seconds. ``make test-fast`` runs ``pytest -m unit``.
- ``dbt_fixture``: runs dbt on the committed fixture (tests/fixtures) or a variant of it.
- ``browser``: drives headless Chromium.
- ``real_data``: builds the shipped raw files in data/raw (the full build, many minutes).
- ``spark``: builds the fixture's portable layers on Apache Spark (dbt-spark in a local
  session; needs Java, and fails, not skips, without it).

A test may need more than one (a browser check of the fixture site is ``browser`` and
``dbt_fixture``); ``unit`` goes with no other. Tiers are checked, so a slow test cannot
slip into ``make test-fast``:

- at collection, a test that requests a building fixture (``TIER_OF_FIXTURE``, directly or
  through another fixture) gets that fixture's tier; a test marked ``unit`` that requests
  one, or carries another tier too, fails collection. A test with no tier marker gets the
  tiers of its fixtures, else ``unit``.
- while a ``unit`` test runs, starting dbt, the atomic refresh (``models_ml.refresh``),
  Chromium or chromedriver in a subprocess fails the test.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from reports.browser import BrowserUnavailableError, find_chromium
from reports.build import BuildResult, build_site
from reports.dbt_docs import generate as generate_dbt_docs
from tests.support import (
    FIXTURE_INCOMING,
    FIXTURE_VARS,
    REAL_INCOMING,
    REAL_RAW,
    ROOT,
    DbtResult,
    dbt_command,
    dbt_env,
    run_dbt,
)

TIERS = ("unit", "dbt_fixture", "browser", "real_data", "spark")

#: Fixtures that build something slow, and the tier a test using them belongs to. A new
#: session fixture that runs dbt or a browser goes here.
TIER_OF_FIXTURE = {
    "fixture_build": "dbt_fixture",
    "fixture_db": "dbt_fixture",
    "fixture_site": "dbt_fixture",
    "real_build": "real_data",
    "real_db": "real_data",
    "real_site": "real_data",
    "chromium": "browser",
    "spark_fixture_build": "spark",
    "duckdb_parity_build": "dbt_fixture",
}

#: Set to 1 to skip the browser tests on a machine without Chromium (`pytest -m "not
#: browser"` deselects them anywhere).
SKIP_BROWSER_VARIABLE = "SPOTIFY_SKIP_BROWSER_TESTS"

#: Programs a unit test must not start (the module `models_ml.refresh` runs dbt).
SLOW_PROGRAMS = {"dbt", "chromium", "chromium-browser", "chromedriver", "java"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problems = []
    for item in items:
        used = sorted(name for name in item.fixturenames if name in TIER_OF_FIXTURE)
        needed = {TIER_OF_FIXTURE[name] for name in used}
        marked = {mark.name for mark in item.iter_markers() if mark.name in TIERS}
        if "unit" in marked and (needed or len(marked) > 1):
            others = sorted((marked - {"unit"}) | needed)
            problems.append(
                f"{item.nodeid}: marked unit but needs {', '.join(others)}"
                + (f" (uses {', '.join(used)})" if used else "")
            )
            continue
        for tier in sorted(needed - marked) or ([] if marked else ["unit"]):
            item.add_marker(tier)
    if problems:
        raise pytest.UsageError("mis-tiered tests:\n  " + "\n  ".join(problems))
    # The tests of the real-data build last (stable: the others keep their order), so the
    # other tests run while it builds in the background (`_real_build_in_background`).
    items.sort(key=lambda item: "real_build" in item.fixturenames)


def require_chromium() -> tuple[Path, Path]:
    """Chromium and chromedriver, for a browser test.

    Missing, they fail the test with the install hint, so a CI run without a browser cannot
    go green by accident; only SPOTIFY_SKIP_BROWSER_TESTS=1 turns that into a skip.
    """
    try:
        return find_chromium()
    except BrowserUnavailableError as error:
        if os.environ.get(SKIP_BROWSER_VARIABLE) == "1":
            pytest.skip(f"{SKIP_BROWSER_VARIABLE}=1 and no browser: {error}")
        pytest.fail(
            f"{error} (or set {SKIP_BROWSER_VARIABLE}=1 to skip the browser tests)", pytrace=False
        )


@pytest.fixture(scope="session")
def chromium() -> tuple[Path, Path]:
    """(Chromium, chromedriver); requesting it makes a test (or fixture) a browser test."""
    return require_chromium()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("browser") is not None:
        require_chromium()


class _UnitPopen(subprocess.Popen):  # type: ignore[type-arg]
    """subprocess.Popen that refuses what makes a test slow (see the module docstring)."""

    def __new__(cls, args, *more, **options):  # type: ignore[no-untyped-def]
        if isinstance(args, str | bytes):
            argv = os.fsdecode(args).split()  # a shell command line: its first word
        elif isinstance(args, os.PathLike):
            argv = [os.fspath(args)]
        else:
            argv = [os.fsdecode(arg) if isinstance(arg, bytes) else str(arg) for arg in args]
        program = os.path.basename(argv[0]) if argv else ""
        if program in SLOW_PROGRAMS or "models_ml.refresh" in argv:
            raise AssertionError(
                f"a unit test started {program or argv!r} ({argv!r}): "
                "mark it dbt_fixture, browser or real_data instead of unit"
            )
        return super().__new__(cls)


@pytest.fixture(autouse=True)
def _unit_tests_start_no_build(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if request.node.get_closest_marker("unit") is not None:
        monkeypatch.setattr(subprocess, "Popen", _UnitPopen)


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtResult]:
    """`dbt build` of the committed fixture into a temporary warehouse."""
    workdir = tmp_path_factory.mktemp("fixture_build")
    warehouse = workdir / "warehouse.duckdb"
    result = run_dbt(["build"], workdir, warehouse, FIXTURE_VARS)
    assert result.ok, result.output[-5000:]
    return warehouse, result


#: Lines of an extra incoming file for the Spark parity builds: every way a line can be
#: malformed that both engines word alike (a line that is not UTF-8 is quarantined on both,
#: but only DuckDB can name the byte; the unit tests cover it), plus lines that are valid
#: CSV only when quotes are read as RFC 4180 says (Spark's CSV escape would be '\\').
PARITY_INCOMING_LINES = [
    b"track_id,track_name,duration_ms,explicit,danceability,energy,key,loudness,mode,"
    b"speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature",
    b'q-1,"Quoted, with ""quotes""",200000,False,0.5,0.6,5,-7.5,1,0.05,0.2,0.0,0.1,0.5,120,4',
    b"short-1,Cut Short,200000,False,0.5,0.6",  # Spark's CSV reader would pad it
    b"long-1,Extra Field,200000,False,0.5,0.6,5,-7.5,1,0.05,0.2,0.0,0.1,0.5,120,4,x",
    b'open-1,"Unterminated,200000,False,0.5,0.6,5,-7.5,1,0.05,0.2,0.0,0.1,0.5,120,4',
    b'after-1,"Closed"x,200000,False,0.5,0.6,5,-7.5,1,0.05,0.2,0.0,0.1,0.5,120,4',
    b"   ",
    b"nul-1,Has\x00Nul,200000,False,0.5,0.6,5,-7.5,1,0.05,0.2,0.0,0.1,0.5,120,4",
    b"crlf-1,Windows Line,200000,False,0.5,0.6,5,-7.5,1,0.05,0.2,0.0,0.1,0.5,120,4\r",
    b'esc-1,Back\\slash \\"quote,200000,False,0.5,0.6,5,-7.5,1,0.05,0.2,0.0,0.1,0.5,120,4',
]


@pytest.fixture(scope="session")
def parity_vars(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The fixture's vars with an incoming folder that also holds malformed lines."""
    incoming = tmp_path_factory.mktemp("parity_incoming")
    shutil.copy(FIXTURE_INCOMING / "new_tracks.csv", incoming / "new_tracks.csv")
    (incoming / "odd_lines.csv").write_bytes(b"\n".join(PARITY_INCOMING_LINES) + b"\n")
    return {**FIXTURE_VARS, "incoming_dir": str(incoming)}


@pytest.fixture(scope="session")
def spark_fixture_build(
    tmp_path_factory: pytest.TempPathFactory, parity_vars: dict[str, object]
) -> tuple[Path, Path, DbtResult]:
    """`dbt build --target spark --selector portable` of the committed fixture (plus the
    malformed incoming lines), in a local Spark session whose warehouse and metastore live
    in a temporary folder. Returns the Spark folder (SPOTIFY_SPARK_DIR), the dbt work folder
    and the result."""
    require_java()
    workdir = tmp_path_factory.mktemp("spark_fixture_build")
    spark_dir = workdir / "spark"
    result = run_dbt(
        ["build", "--target", "spark", "--selector", "portable"],
        workdir,
        workdir / "unused.duckdb",
        parity_vars,
        extra_env={"SPOTIFY_SPARK_DIR": str(spark_dir)},
        timeout=1200,
    )
    assert result.ok, result.output[-5000:]
    return spark_dir, workdir, result


@pytest.fixture(scope="session")
def duckdb_parity_build(
    tmp_path_factory: pytest.TempPathFactory, parity_vars: dict[str, object]
) -> Path:
    """The same selection and inputs as spark_fixture_build, on DuckDB."""
    workdir = tmp_path_factory.mktemp("duckdb_parity_build")
    warehouse = workdir / "warehouse.duckdb"
    result = run_dbt(["build", "--selector", "portable"], workdir, warehouse, parity_vars)
    assert result.ok, result.output[-5000:]
    return warehouse


def require_java() -> str:
    """The java program Spark needs; missing, the Spark tests fail (never skip) with the
    install hint, so CI cannot go green without them."""
    java = shutil.which("java")
    if java is None:
        pytest.fail(
            "java not found on PATH: the Spark tests need a Java 17+ runtime "
            "(Debian: apt-get install openjdk-17-jre-headless); see docs/spark.md",
            pytrace=False,
        )
    return java


@pytest.fixture(scope="session")
def fixture_db(fixture_build: tuple[Path, DbtResult]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(fixture_build[0]), read_only=True)
    yield connection
    connection.close()


#: The real-data build runs beside the other tests at this niceness (`os.nice`): it takes
#: the cores they leave idle (dbt's single-threaded parse and scheduling, waits on
#: subprocesses and the browser) and yields to them otherwise, so a test that measures a
#: wait (the refresh tests) is not slowed by it.
REAL_BUILD_NICENESS = 10
#: Seconds the real-data build may take from its start, other tests running beside it.
REAL_BUILD_TIMEOUT = 3600


@dataclass
class BackgroundBuild:
    """A `dbt build` started in the background, its output going to a file."""

    workdir: Path
    warehouse: Path
    process: subprocess.Popen[bytes]
    output: Path
    started: float

    def result(self, timeout: float) -> DbtResult:
        """Wait for the build (at most `timeout` seconds from its start) and return it."""
        remaining = max(timeout - (time.monotonic() - self.started), 1.0)
        try:
            code = self.process.wait(timeout=remaining)
        except subprocess.TimeoutExpired:
            self.stop()
            code = self.process.returncode
            pytest.fail(f"the real-data build took over {timeout:.0f} s", pytrace=False)
        return DbtResult(code, self.output.read_text(encoding="utf-8", errors="replace"))

    def stop(self) -> None:
        """End the build (and what it started) if it is still running."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _lower_priority() -> None:
    """In the child before exec: run at REAL_BUILD_NICENESS."""
    os.nice(REAL_BUILD_NICENESS)


@pytest.fixture(scope="session", autouse=True)
def _real_build_in_background(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackgroundBuild | None]:
    """Start the full real-data build as the session starts, if a selected test needs it.

    It takes most of the suite's time, and its tests only read its result: started first, it
    builds while the other tests run (they are ordered before it, see
    `pytest_collection_modifyitems`), and `real_build` waits for it. Nothing starts when no
    selected test needs it (`pytest -m unit`, `-m "not real_data"`).
    """
    if not any("real_build" in item.fixturenames for item in request.session.items):
        yield None
        return
    workdir = tmp_path_factory.mktemp("real_build")
    warehouse = workdir / "warehouse.duckdb"
    dbt_vars = {"raw_data_dir": str(REAL_RAW), "incoming_dir": str(REAL_INCOMING)}
    output = workdir / "dbt-output.txt"
    with output.open("wb") as sink:
        process = subprocess.Popen(
            dbt_command(["build"], workdir, dbt_vars),
            cwd=ROOT,
            env=dbt_env(workdir, warehouse),
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_lower_priority,
        )
    build = BackgroundBuild(workdir, warehouse, process, output, time.monotonic())
    yield build
    build.stop()


@pytest.fixture(scope="session")
def real_build(_real_build_in_background: BackgroundBuild | None) -> tuple[Path, Path, DbtResult]:
    """`dbt build` of the full raw files in data/raw into a temporary warehouse."""
    build = _real_build_in_background
    assert build is not None, "the real-data build was not started"
    result = build.result(REAL_BUILD_TIMEOUT)
    assert result.ok, result.output[-5000:]
    return build.warehouse, build.workdir, result


@pytest.fixture(scope="session")
def real_db(real_build: tuple[Path, Path, DbtResult]) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(str(real_build[0]), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="session")
def fixture_site(
    fixture_build: tuple[Path, DbtResult], tmp_path_factory: pytest.TempPathFactory
) -> BuildResult:
    """The site built from the fixture warehouse, with every chart spec validated and the
    dbt docs (generated read-only, as `make reports` does)."""
    workdir = tmp_path_factory.mktemp("fixture_site")
    docs = generate_dbt_docs(workdir / "dbt-target", fixture_build[0])
    return build_site(fixture_build[0], workdir / "site", validate_charts=True, dbt_docs=docs)


@pytest.fixture(scope="session")
def real_site(real_build: tuple[Path, Path, DbtResult]) -> BuildResult:
    """The site built from the real-data warehouse, as `make` builds it (dbt docs included)."""
    warehouse, workdir, _ = real_build
    docs = generate_dbt_docs(workdir / "docs-target", warehouse)
    return build_site(warehouse, workdir / "site", dbt_docs=docs)
