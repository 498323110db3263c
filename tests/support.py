"""Helpers for the end-to-end tests: run dbt against a throw-away warehouse, query it.

Each build gets its own warehouse file, target and log folders, so tests never touch
data/warehouse.duckdb or each other's artefacts.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from models_ml.refresh import dbt_executable

ROOT = Path(__file__).resolve().parents[1]
FIXTURE_RAW = ROOT / "tests" / "fixtures" / "raw"
FIXTURE_INCOMING = ROOT / "tests" / "fixtures" / "incoming"
REAL_RAW = ROOT / "data" / "raw"
REAL_INCOMING = ROOT / "data" / "incoming"
FIXTURE_VARS = {
    "raw_data_dir": str(FIXTURE_RAW),
    "tracks_file": "dataset.csv",
    "playlist_tracks_file": "spotify_songs.csv",
    "incoming_dir": str(FIXTURE_INCOMING),
}
#: The raw sources (quality tables also hold the incoming new tracks).
#: The file in a target folder that holds dbt's parse of the project (`reuse_parse`).
PARTIAL_PARSE = "partial_parse.msgpack"
RAW_SOURCES_FILTER = "source_name in ('spotify.tracks', 'tidytuesday.playlist_tracks')"


@dataclass(frozen=True)
class DbtResult:
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def dbt_env(
    workdir: Path, warehouse: Path, extra_env: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of a test build: its own warehouse and models folder under `workdir`.

    A developer's own locations must not leak into a test build.
    """
    private = {"SPOTIFY_RAW_DIR", "SPOTIFY_INCOMING_DIR", "SPOTIFY_MODELS_DIR"}
    env = {key: value for key, value in os.environ.items() if key not in private}
    env.update(
        {
            "SPOTIFY_WAREHOUSE_PATH": str(warehouse),
            "SPOTIFY_MODELS_DIR": str(workdir / "models"),
            "DBT_PROFILES_DIR": str(ROOT),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_USE_COLORS": "false",
        }
    )
    env.update(extra_env or {})
    return env


def dbt_options(workdir: Path, dbt_vars: dict[str, object] | None = None) -> list[str]:
    """dbt flags that keep a test build's artefacts under `workdir`, plus its vars."""
    options = ["--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")]
    if dbt_vars:
        options += ["--vars", _yaml_dict(dbt_vars)]
    return options


def run_dbt(
    args: list[str],
    workdir: Path,
    warehouse: Path,
    dbt_vars: dict[str, object] | None = None,
    extra_env: dict[str, str] | None = None,
    timeout: float = 600,
    parsed_in: Path | None = None,
) -> DbtResult:
    """Run `dbt ARGS` from the repo root with the warehouse and artefacts under `workdir`.

    Trained models go to `workdir/models`, never to the developer's data/models.
    parsed_in: another build's folder whose parse this one may start from (`reuse_parse`).
    """
    if parsed_in is not None:
        reuse_parse(parsed_in, workdir)
    completed = subprocess.run(
        dbt_command(args, workdir, dbt_vars),
        cwd=ROOT,
        env=dbt_env(workdir, warehouse, extra_env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return DbtResult(completed.returncode, completed.stdout + completed.stderr)


def dbt_command(
    args: list[str], workdir: Path, dbt_vars: dict[str, object] | None = None
) -> list[str]:
    """`dbt ARGS` with the test build's artefact folders and vars (`dbt_options`)."""
    return [dbt_executable(), *args, *dbt_options(workdir, dbt_vars)]


def reuse_parse(built: Path, workdir: Path) -> None:
    """Let a build in `workdir` start from the parse of the build in `built` (another
    workdir), as a second build in the same folder would.

    dbt saves its parse in the target folder (partial_parse.msgpack) and a later run reuses
    it when the dbt version, the --vars and the project's environment variables match,
    re-reading every file whose contents (or environment variables) changed; anything else
    parses in full. That saves a full parse (about 11 s of CPU) per build with the same
    vars. A build that must parse from nothing simply does not call this.
    """
    saved = built / "target" / PARTIAL_PARSE
    if saved.is_file():
        (workdir / "target").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, workdir / "target" / PARTIAL_PARSE)


def refresh_command(
    args: list[str], workdir: Path, dbt_vars: dict[str, object] | None
) -> list[str]:
    """`python -m models_ml.refresh ARGS` (the atomic build `make build` runs) for a test."""
    return [sys.executable, "-m", "models_ml.refresh", *args, *dbt_options(workdir, dbt_vars)]


def _yaml_dict(values: dict[str, object]) -> str:
    """A flow-style YAML mapping; text is quoted so paths with ':' survive, other values
    (settings mappings, booleans) are written as JSON, which YAML reads as they are."""
    items = ", ".join(
        f"{key}: '{value}'" if isinstance(value, str) else f"{key}: {json.dumps(value)}"
        for key, value in values.items()
    )
    return "{" + items + "}"


def sha256(path: Path) -> str:
    """The file's SHA-256: "byte for byte the same" in a test."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> object:
    """The single value of a one-row, one-column query."""
    rows = connection.execute(sql).fetchall()
    assert len(rows) == 1 and len(rows[0]) == 1, rows
    return rows[0][0]


HOLD_LOCK = (
    "import duckdb, sys, time\n"
    "connection = duckdb.connect(sys.argv[1])\n"
    "print('holding', flush=True)\n"
    "time.sleep(120)\n"
)


@contextmanager
def writer_holding(path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process with the warehouse open for writing (a build, a notebook)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "holding"
        yield holder
    finally:
        holder.kill()
        holder.wait()


def run_module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGS` from the repo root, as a user runs the project's CLIs."""
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def read_run_table(folder: Path, name: str) -> pd.DataFrame:
    """One result table (<folder>/<name>.parquet) of a run folder of the models folder."""
    path = folder / f"{name}.parquet"
    assert path.is_file(), f"{path}: no such result table"
    with duckdb.connect() as connection:
        return connection.execute("select * from read_parquet(?)", [str(path)]).df()


def all_query_names() -> list[str]:
    """Every report query, `<page>/<name>`, from the files under reports/sql (read at call
    time, so a test may point queries.SQL_DIR elsewhere)."""
    from reports import queries

    return sorted(
        path.relative_to(queries.SQL_DIR).with_suffix("").as_posix()
        for path in queries.SQL_DIR.rglob("*.sql")
    )


def visible_text(site_dir: Path, page: str, search: str | None = None) -> str:
    """A page's text as a reader sees it in Chromium, optionally after typing into its table
    search (hidden rows are not in innerText): that a name containing HTML shows as text,
    and that the search box hides the rows that do not match."""
    from selenium.webdriver.common.by import By

    from reports.browser import _Browser

    path = Path(site_dir).resolve() / page
    assert path.is_file(), f"{path}: no such page"
    with _Browser() as browser:
        driver = browser._driver
        driver.get(path.as_uri())
        if search is not None:
            driver.find_element(By.CSS_SELECTOR, "input.table-search").send_keys(search)
        return str(driver.execute_script("return document.body.innerText"))
