"""The models folder (data/models/): one folder per run, reused when the same run comes again.

A run is named by its run id, a fingerprint of everything that decides its results: the
exact input rows (`data_fingerprint`), the settings, the code, the library versions and the
project's version (`RunKey`). The work a run id names is deterministic, so a build whose run
id already has a complete folder reuses it instead of training again; training and discovery
both go through `reuse_or_make` (called by the Python models int_ml_models_trained and
int_discovery_built). Layout:

    <models dir>/ml/<run id>/<table>.parquet          the long tables the ml.* SQL models
                                                       publish (evaluation, explanations)
    <models dir>/ml/<run id>/bundle.joblib             the fitted models that score new tracks
    <models dir>/ml/<run id>/metadata.json             their features, classes, versions
    <models dir>/discovery/<run id>/<table>.parquet    clusters, similar tracks, recommenders
    <models dir>/<kind>/<run id>/manifest.json         written last: each file's size and
                                                       SHA-256, when and how the run was made

A folder is written to a temporary sibling and renamed into place whole
(`spotify_warehouse.folders`, as the report site is), and is only used
when its manifest exists and every file matches it (`verify_run`): a half-written,
truncated or edited run is retrained, never half-used. The newest KEEP_RUNS runs of each
kind are kept (a reuse counts as use); the ML run the live warehouse names is never removed,
because `predict` scores with its models. The folder is build output: not committed.
Parquet goes through DuckDB (no pyarrow needed).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

import duckdb
import joblib
import pandas as pd

from models_ml.config import refresh_forced
from spotify_warehouse import __version__
from spotify_warehouse.folders import staged, swap_in
from spotify_warehouse.progress import Progress
from spotify_warehouse.sql import literal
from spotify_warehouse.warehouse import PROTECTED_RUN_ENV_VAR

DEFAULT_MODELS_DIR = Path("data/models")
MODELS_DIR_ENV_VAR = "SPOTIFY_MODELS_DIR"
#: The kinds of run, each a folder of the models folder.
ML = "ml"
DISCOVERY = "discovery"
KINDS: tuple[str, ...] = (ML, DISCOVERY)
MANIFEST = "manifest.json"
BUNDLE = "bundle.joblib"
METADATA = "metadata.json"
#: Runs kept per kind (plus the live warehouse's ML run, if older).
KEEP_RUNS = 3
#: The project's distribution, whose version (pyproject.toml) is part of every run id.
PROJECT = "spotify-warehouse"
#: Libraries whose version can change a result (a new scikit-learn may grow other trees).
LIBRARIES: tuple[str, ...] = (
    "numpy",
    "pandas",
    "scipy",
    "scikit-learn",
    "lightgbm",
    "shap",
    "joblib",
)

PACKAGE_DIR = Path(__file__).resolve().parent
#: The code each kind of run executes. ML: every module of models_ml (training, features,
#: scoring and what they import). Discovery: its subpackage, the shared settings/IO and the
#: ranking it shares with the metrics. (spotify_warehouse holds no code that decides a
#: result: paths, progress lines, folder swaps.)
CODE: dict[str, tuple[Path, ...]] = {
    ML: tuple(sorted(PACKAGE_DIR.glob("*.py"))),
    DISCOVERY: (
        *sorted((PACKAGE_DIR / "discovery").glob("*.py")),
        PACKAGE_DIR / "config.py",
        PACKAGE_DIR / "artifacts.py",
        PACKAGE_DIR / "metrics.py",
    ),
}


class ModelsUnavailableError(RuntimeError):
    """No usable trained models where they were expected."""


def models_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """An explicit path, else SPOTIFY_MODELS_DIR, else data/models."""
    if path:
        return Path(path)
    return Path(os.environ.get(MODELS_DIR_ENV_VAR) or DEFAULT_MODELS_DIR)


@dataclass(frozen=True)
class BuildOptions:
    """What a dbt build hands a run (training, discovery): its settings overrides, the models
    folder, and whether to make the run again although a complete one exists."""

    overrides: dict[str, Any]
    models_root: Path
    force: bool = False

    @classmethod
    def from_dbt(
        cls,
        settings_json: str | None,
        models_folder: str | None,
        ml_refresh: str | None,
        full_refresh: object = False,
    ) -> BuildOptions:
        """From a Python model's config: the settings var (JSON), the models_dir var, the
        ml_refresh var (JSON) and dbt's --full-refresh flag."""
        return cls(
            json.loads(settings_json or "{}"),
            models_dir(models_folder),
            refresh_forced(ml_refresh, full_refresh),
        )


def code_fingerprint(kind: str = ML) -> str:
    """SHA-256 prefix of the source a kind of run executes: a code change is a new run, and
    models saved by other code are not loaded (their pickled classes may no longer match)."""
    digest = hashlib.sha256()
    for path in CODE[kind]:
        digest.update(path.relative_to(PACKAGE_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def library_versions() -> dict[str, str]:
    """Python, the numerical libraries as installed, and this project's version: a release
    names new runs even where no fingerprinted file changed."""
    versions = {"python": platform.python_version(), PROJECT: __version__}
    for name in LIBRARIES:
        try:
            versions[name] = package_metadata.version(name)
        except package_metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def data_fingerprint(*frames: pd.DataFrame) -> str:
    """SHA-256 (16 hex) of the frames' columns and content, in the order given: callers sort
    their rows first, so row order is never part of a run's inputs. Values are hashed as text,
    so list columns (a track's genres) hash like any other."""
    digest = hashlib.sha256()
    for frame in frames:
        digest.update(",".join(map(str, frame.columns)).encode())
        hashed = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
        digest.update(hashed.tobytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class RunKey:
    """What a run id fingerprints; kept in the manifest so a new run can say what changed."""

    kind: str
    data_fingerprint: str
    settings_digest: str
    code_fingerprint: str
    versions: dict[str, str]

    @classmethod
    def current(cls, kind: str, data_fingerprint: str, settings_digest: str) -> RunKey:
        """The key of a run of `kind` on this data and settings, by the code and libraries
        running now: the one way training and discovery name their runs."""
        return cls(
            kind, data_fingerprint, settings_digest, code_fingerprint(kind), library_versions()
        )

    @property
    def run_id(self) -> str:
        """Deterministic: the same data, settings, code and library versions, the same id."""
        payload = "|".join(
            [
                self.kind,
                self.data_fingerprint,
                self.settings_digest,
                self.code_fingerprint,
                json.dumps(self.versions, sort_keys=True),
            ]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:12]

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "data_fingerprint": self.data_fingerprint,
            "settings_digest": self.settings_digest,
            "code_fingerprint": self.code_fingerprint,
            "versions": self.versions,
        }


def run_dir(models_root: Path, kind: str, run_id: str) -> Path:
    """Where one run of a kind lives."""
    return Path(models_root) / kind / run_id


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _default_select(frame: pd.DataFrame) -> str:
    return "select * from frame"


def write_parquet(
    tables: dict[str, pd.DataFrame],
    folder: Path,
    select: Callable[[pd.DataFrame], str] = _default_select,
) -> None:
    """Each DataFrame as <folder>/<name>.parquet; `select` may cast columns (from `frame`).
    A frame with no columns (a table of tasks the settings left out, e.g. genre predictions
    when ml_settings names only popularity) has no schema to write and is left out."""
    with duckdb.connect() as connection:
        for name, frame in tables.items():
            if frame.columns.empty:
                continue
            connection.register("frame", frame)
            target = literal(str(folder / f"{name}.parquet"))
            connection.execute(f"copy ({select(frame)}) to {target} (format parquet)")
            connection.unregister("frame")


def file_entries(folder: Path) -> dict[str, dict[str, Any]]:
    """Every file under `folder` but the manifest: its size and SHA-256, by relative path."""
    return {
        path.relative_to(folder).as_posix(): {
            "bytes": path.stat().st_size,
            "sha256": _file_digest(path),
        }
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    }


def write_run(
    folder: Path,
    key: RunKey,
    info: dict[str, Any],
    write: Callable[[Path], None],
) -> dict[str, Any]:
    """Write a run folder all or nothing; return its manifest.

    `write(staging)` fills a temporary sibling folder; the manifest (every file's size and
    SHA-256, `key` and `info`) is written last, and the folder renamed into place. If a
    complete folder of the same run appeared meanwhile (another build), it is kept.
    """
    with staged(folder) as staging:
        write(staging)
        manifest = {"run_id": key.run_id, **key.as_dict(), **info, "files": file_entries(staging)}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str))
        existing, _ = verify_run(folder)
        if existing is not None:
            return existing
        try:
            swap_in(staging, folder)
        except OSError:
            # Another build renamed the same run into place in between: keep it if complete.
            existing, _ = verify_run(folder)
            if existing is None:
                raise
            return existing
        return manifest


def verify_run(folder: Path) -> tuple[dict[str, Any] | None, str]:
    """(manifest, "") if the run folder is complete and intact, else (None, what is wrong)."""
    manifest_path = folder / MANIFEST
    if not folder.is_dir():
        return None, "no folder for this run id"
    if not manifest_path.is_file():
        return None, f"{manifest_path.name} missing (an interrupted write)"
    try:
        manifest = json.loads(manifest_path.read_text())
        files = manifest["files"]
    except (ValueError, KeyError, TypeError) as error:
        return None, f"{manifest_path.name} unreadable ({error})"
    for name, expected in files.items():
        path = folder / name
        if not path.is_file():
            return None, f"{name} missing"
        size = path.stat().st_size
        if size != expected["bytes"]:
            return None, f"{name} is {size:,} bytes, the manifest says {expected['bytes']:,}"
        if _file_digest(path) != expected["sha256"]:
            return None, f"{name} differs from the manifest (SHA-256)"
    return manifest, ""


def mark_used(folder: Path) -> None:
    """Count a reuse as use, so pruning keeps recently used runs."""
    os.utime(folder)


def what_changed(models_root: Path, key: RunKey) -> str:
    """Why a run id is new, against the most recently used complete run of the same kind."""
    for folder in _runs_newest_first(Path(models_root) / key.kind):
        try:
            manifest = json.loads((folder / MANIFEST).read_text())
        except (OSError, ValueError):
            continue
        changed = [
            label
            for label, field in (
                ("the input rows", "data_fingerprint"),
                ("the settings", "settings_digest"),
                ("the code", "code_fingerprint"),
                ("library versions", "versions"),
            )
            if manifest.get(field) != key.as_dict()[field]
        ]
        if changed:
            return f"{' and '.join(changed)} changed since run {manifest['run_id']}"
        return f"same inputs as run {manifest['run_id']}"
    return "no earlier run in the models folder"


#: How each kind names its work in the console: (done, doing, does again).
VERBS: dict[str, tuple[str, str, str]] = {
    ML: ("trained", "training", "retrains"),
    DISCOVERY: ("built", "building", "rebuilds"),
}


def reusable_run(models_root: Path, key: RunKey, force: bool) -> tuple[dict[str, Any] | None, str]:
    """(manifest, note) when the run of `key` can be reused; else (None, note saying why it
    must be made). The note is the console line of the decision (after "ML: ")."""
    folder = run_dir(models_root, key.kind, key.run_id)
    done, doing, again = VERBS[key.kind]
    if force:
        return None, f"{doing} run {key.run_id}: forced (ml_refresh var or --full-refresh)"
    manifest, problem = verify_run(folder)
    if manifest is not None:
        mark_used(folder)
        return manifest, (
            f"reusing run {key.run_id} {done} {manifest['created_at']}: same input rows, "
            f"settings, code and library versions, and its {len(manifest['files'])} files are "
            f"intact ({folder}); --vars '{{ml_refresh: true}}' {again}"
        )
    if folder.exists():
        return None, f"{doing} run {key.run_id}: its folder is damaged ({problem})"
    return None, f"{doing} run {key.run_id}: {what_changed(models_root, key)}"


@dataclass(frozen=True)
class RunOutcome:
    """A run had by `reuse_or_make`: its manifest, its folder, and whether it was reused."""

    manifest: dict[str, Any]
    folder: Path
    reused: bool


#: What `reuse_or_make` calls to make a run: the manifest's extra fields (`info` of
#: `write_run`) and the function that writes the run's files into a folder.
MakeRun = Callable[[], tuple[dict[str, Any], Callable[[Path], None]]]


def reuse_or_make(
    models_root: Path, key: RunKey, force: bool, progress: Progress, make: MakeRun
) -> RunOutcome:
    """The one way a run is had, for training and discovery alike: reuse the complete folder
    of `key` (unless forced), else `make()` the run, write it all or nothing (`write_run`) and
    prune old runs of its kind. `progress` hears the decision and why."""
    folder = run_dir(models_root, key.kind, key.run_id)
    manifest, note = reusable_run(models_root, key, force)
    if manifest is not None:
        progress.note(note)
        return RunOutcome(manifest, folder, reused=True)
    progress.note(f"{note}; {progress.total_units} {progress.unit}")
    info, write = make()
    manifest = write_run(folder, key, info, write)
    prune_runs(models_root, key.kind, protect={key.run_id})
    return RunOutcome(manifest, folder, reused=False)


def _runs_newest_first(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(
        (path for path in root.iterdir() if path.is_dir() and not path.name.startswith(".")),
        key=lambda path: path.stat().st_mtime_ns,
        reverse=True,
    )


def prune_runs(
    models_root: Path, kind: str, keep: int = KEEP_RUNS, protect: Iterable[str] = ()
) -> list[str]:
    """Remove all but the `keep` most recently used runs of a kind, and leftovers of
    interrupted writes; the protected runs and the live warehouse's stay. Returns the ids
    removed. A run's last use is its folder's modification time (`mark_used`)."""
    root = Path(models_root) / kind
    protected = set(protect) | {value for value in [os.environ.get(PROTECTED_RUN_ENV_VAR)] if value}
    removed = []
    for path in _runs_newest_first(root)[keep:]:
        if path.name not in protected:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    # Staging folders of writes that were killed (an hour old: none of a running build).
    if root.is_dir():
        for path in root.glob(".*"):
            if path.is_dir() and time.time() - path.stat().st_mtime > 3600:
                shutil.rmtree(path, ignore_errors=True)
    return removed


def save_bundle(bundle: Any, metadata: dict[str, Any], folder: Path) -> None:
    """Fitted models with their metadata (JSON, readable without Python), into a run folder
    being written (`write_run`)."""
    # Level 1: the 114-genre forests are large and compress well even at the fastest level.
    joblib.dump(bundle, folder / BUNDLE, compress=1)
    (folder / METADATA).write_text(json.dumps(metadata, indent=2, default=str))


def load_bundle(folder: Path) -> tuple[Any, dict[str, Any]]:
    """The scoring models of a complete ML run folder, saved by this version of the code."""
    if not (folder / BUNDLE).exists():
        raise ModelsUnavailableError(
            f"{folder}: no trained models found. Build the warehouse first with "
            "`make build`, which trains and saves them here; or point "
            f"{MODELS_DIR_ENV_VAR} / --models-dir at another models folder."
        )
    manifest, problem = verify_run(folder)
    if manifest is None:
        raise ModelsUnavailableError(
            f"{folder}: the run folder is damaged ({problem}); rebuild with `make build`."
        )
    metadata = json.loads((folder / METADATA).read_text())
    if metadata.get("code_fingerprint") != code_fingerprint(ML):
        raise ModelsUnavailableError(
            f"{folder}: these models were saved by another version of models_ml "
            f"(run {metadata.get('run_id')}); rebuild them with `make build` (or `dbt build`)."
        )
    return joblib.load(folder / BUNDLE), metadata


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class StoredRun:
    """One run folder as `python -m models_ml runs` lists it."""

    kind: str
    run_id: str
    path: Path
    created_at: str | None
    last_used: str
    megabytes: float
    problem: str


def stored_runs(models_root: Path) -> list[StoredRun]:
    """Every run folder of every kind, newest use first, with what is wrong with it if any.
    (A listing reads the manifests only: verifying every file is for a build.)"""
    runs = []
    for kind in KINDS:
        for folder in _runs_newest_first(Path(models_root) / kind):
            manifest_path = folder / MANIFEST
            try:
                manifest = json.loads(manifest_path.read_text())
                problem = ""
            except (OSError, ValueError):
                manifest, problem = {}, f"{MANIFEST} missing or unreadable"
            size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
            used = datetime.fromtimestamp(folder.stat().st_mtime, UTC)
            runs.append(
                StoredRun(
                    kind,
                    folder.name,
                    folder,
                    manifest.get("created_at"),
                    used.isoformat(timespec="seconds"),
                    size / 2**20,
                    problem,
                )
            )
    return runs


def remove_runs(models_root: Path, keep: Iterable[str] = ()) -> list[Path]:
    """Remove every run folder except those named in `keep`; return what was removed."""
    kept = set(keep)
    removed = []
    for kind in KINDS:
        root = Path(models_root) / kind
        if not root.is_dir():
            continue
        for path in root.iterdir():
            if path.is_dir() and path.name not in kept:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path)
    return removed
