"""Where a training run leaves its results and its models: the models folder (data/models/).

One `dbt build` trains once (the Python model int_ml_models_trained) and leaves:

    <models dir>/evaluation/<table>.parquet           the long tables the ml.* SQL models
                                                      publish (read by the build only)
    <models dir>/scoring/<run id>/bundle.joblib       the fitted models that score new tracks
    <models dir>/scoring/<run id>/metadata.json       run id, features, classes, versions

Scoring models are kept per run id, so a build that trains but then fails (or is killed)
never replaces the models of the run the warehouse names: `predict` and the build's own
scoring load the run that the warehouse's ml.model_runs names
(models_ml.warehouse.warehouse_run_id). The newest KEEP_RUNS runs are kept, and the one the
live warehouse names is never removed.
Each folder is written to a temporary sibling and swapped in whole, so a reader never sees
half a run. Parquet goes through DuckDB (no pyarrow needed). The folder is build output:
not committed.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import joblib
import pandas as pd

from models_ml.warehouse import PROTECTED_RUN_ENV_VAR

DEFAULT_MODELS_DIR = Path("data/models")
MODELS_DIR_ENV_VAR = "SPOTIFY_MODELS_DIR"
EVALUATION = "evaluation"
SCORING = "scoring"
#: Scoring runs kept in <models dir>/scoring/ (plus the live warehouse's, if older).
KEEP_RUNS = 3


class ModelsUnavailableError(RuntimeError):
    """No trained models where they were expected."""


def code_fingerprint() -> str:
    """SHA-256 prefix of the models_ml source: a code change is a new run, and models saved
    by other code are not loaded (their pickled classes may no longer match)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def models_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """An explicit path, else SPOTIFY_MODELS_DIR, else data/models."""
    if path:
        return Path(path)
    return Path(os.environ.get(MODELS_DIR_ENV_VAR) or DEFAULT_MODELS_DIR)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace `target` by `staging` (both directories on the same file system)."""
    if target.exists():
        retired = target.with_name(target.name + ".old")
        shutil.rmtree(retired, ignore_errors=True)
        target.rename(retired)
        staging.rename(target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        staging.rename(target)


def _staging_dir(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))


def write_tables(tables: dict[str, pd.DataFrame], directory: Path) -> None:
    """Write each DataFrame as <name>.parquet, all or nothing."""
    staging = _staging_dir(directory)
    try:
        with duckdb.connect() as connection:
            for name, frame in tables.items():
                connection.register("frame", frame)
                target = str(staging / f"{name}.parquet").replace("'", "''")
                connection.execute(f"copy (select * from frame) to '{target}' (format parquet)")
                connection.unregister("frame")
        _swap_in(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_table(directory: Path, name: str) -> pd.DataFrame:
    path = directory / f"{name}.parquet"
    if not path.exists():
        raise ModelsUnavailableError(
            f"{path}: no evaluation results. Run `dbt build` (or `make build`) to train."
        )
    with duckdb.connect() as connection:
        return connection.execute("select * from read_parquet(?)", [str(path)]).df()


def save_bundle(bundle: Any, metadata: dict[str, Any], directory: Path) -> None:
    """Save fitted models with their metadata (JSON, readable without Python)."""
    staging = _staging_dir(directory)
    try:
        # Level 1: the 114-genre forests are large and compress well even at the fastest level.
        joblib.dump(bundle, staging / "bundle.joblib", compress=1)
        (staging / "metadata.json").write_text(json.dumps(metadata, indent=2, default=str))
        _swap_in(staging, directory)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def scoring_dir(models_root: Path, run_id: str) -> Path:
    """Where the scoring models of one run live."""
    return models_root / SCORING / run_id


def prune_scoring_runs(
    models_root: Path, keep: int = KEEP_RUNS, protect: set[str] | None = None
) -> list[str]:
    """Remove all but the `keep` most recently saved scoring runs and the protected ones;
    return the removed run ids. A run's age is its folder's modification time."""
    root = models_root / SCORING
    if not root.is_dir():
        return []
    runs = sorted(
        (path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")),
        key=lambda path: path.stat().st_mtime_ns,
        reverse=True,
    )
    protected = set(protect or ()) | {
        value for value in [os.environ.get(PROTECTED_RUN_ENV_VAR)] if value
    }
    removed = []
    for path in runs[keep:]:
        if path.name not in protected:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def load_bundle(directory: Path) -> tuple[Any, dict[str, Any]]:
    bundle_path = directory / "bundle.joblib"
    if not bundle_path.exists():
        raise ModelsUnavailableError(
            f"{directory}: no trained models found. Build the warehouse first with "
            "`make build`, which trains and saves them here; or point "
            f"{MODELS_DIR_ENV_VAR} / --models-dir at another models folder."
        )
    metadata = json.loads((directory / "metadata.json").read_text())
    if metadata.get("code_fingerprint") != code_fingerprint():
        raise ModelsUnavailableError(
            f"{directory}: these models were saved by another version of models_ml "
            f"(run {metadata.get('run_id')}); rebuild them with `make build` (or `dbt build`)."
        )
    return joblib.load(bundle_path), metadata
