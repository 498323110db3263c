"""Reusing training and discovery runs by run id, in process on the fixture's frames.

A run folder is reused only when the run id (input rows, settings, code, library versions)
matches and every file matches its manifest; anything else trains again. These tests call
models_ml.training.run and models_ml.discovery.run_discovery directly with small settings (seconds,
not minutes); tests/test_ml_fixture_build.py checks the same through `dbt build`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from models_ml import artifacts, training
from models_ml import discovery as discovery_package
from models_ml.config import MLSettings, refresh_forced
from models_ml.discovery import DiscoverySettings, run_discovery
from models_ml.discovery import run as discovery_run
from spotify_warehouse.progress import Progress, duration
from tests.support import ROOT, read_run_table, run_module, sha256

SMALL_ML = MLSettings(
    n_folds=2,
    n_inner_folds=2,
    tasks=("playlist_genre", "popularity"),
    scenarios=("cold_start",),
    shap_sample_size=10,
    permutation_sample_size=50,
    permutation_repeats=1,
    pdp_sample_size=20,
    pdp_grid_points=3,
)
SMALL_DISCOVERY = DiscoverySettings(
    k_values=(3, 4), kmeans_n_init=1, reranker_grid=((20, 7),), bootstrap_samples=50
)


@pytest.fixture(scope="module")
def tracks(fixture_db: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return fixture_db.execute("select * from intermediate.int_tracks_labelled").df()


@pytest.fixture(scope="module")
def discovery_frames(
    fixture_db: duckdb.DuckDBPyConnection,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    features = ", ".join(f"features.{name}" for name in SMALL_DISCOVERY.audio_features)
    tracks = fixture_db.execute(
        "select track_id, track_name, artist_names, tracks.popularity, album_key, "
        f"{features} from marts.dim_tracks as tracks "
        "join marts.fct_track_features as features using (track_id)"
    ).df()
    # Each result is fetched before the next query: execute returns the shared connection.
    genres = fixture_db.execute("select track_id, taxonomy, genre from marts.bridge_track_genres")
    genres_frame = genres.df()
    playlists = fixture_db.execute("select playlist_id, track_id from marts.bridge_playlist_tracks")
    playlists_frame = playlists.df()
    artists = fixture_db.execute("select track_id, artist_id from marts.bridge_track_artists")
    return tracks, genres_frame, playlists_frame, artists.df()


@pytest.fixture(scope="module")
def trained(tracks: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A models folder holding one complete small training run (never modified: copy it)."""
    root = tmp_path_factory.mktemp("trained") / "models"
    summary = training.run(tracks, SMALL_ML, root, emit=lambda line: None)
    assert not summary["is_reused"]
    return root


class Lines(list[str]):
    """Collects progress lines."""

    def __call__(self, line: str) -> None:
        self.append(line)


def fits_reported(lines: list[str]) -> int:
    return sum(" fits · " in line for line in lines)


def copy_models(trained: Path, tmp_path: Path) -> Path:
    copied = tmp_path / "models"
    shutil.copytree(trained, copied)
    return copied


def refuse_to_train(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any fit fail the test: a reuse must not train."""

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("trained although the run could be reused")

    monkeypatch.setattr(training, "evaluate_all", fail)
    monkeypatch.setattr(training, "fit_scoring_bundle", fail)


def the_run_folder(root: Path) -> Path:
    (folder,) = [path for path in (root / artifacts.ML).iterdir() if not path.name.startswith(".")]
    return folder


@pytest.mark.dbt_fixture
def test_the_same_inputs_reuse_the_run_without_fitting(
    tracks: pd.DataFrame, trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_models(trained, tmp_path)
    folder = the_run_folder(root)
    before = {path.name: sha256(path) for path in folder.iterdir()}
    refuse_to_train(monkeypatch)
    lines = Lines()
    # Row order is not part of the inputs: the frame is fingerprinted sorted.
    summary = training.run(tracks.sample(frac=1, random_state=1), SMALL_ML, root, emit=lines)
    assert summary["is_reused"] and summary["run_id"] == folder.name
    assert summary["run_folder"] == str(folder)
    assert fits_reported(lines) == 0
    assert len(lines) == 1 and lines[0].startswith(f"ML: reusing run {folder.name} trained ")
    assert {path.name: sha256(path) for path in folder.iterdir()} == before


@pytest.mark.dbt_fixture
def test_folds_at_once_give_the_tables_of_one_fold_after_the_other(tracks: pd.DataFrame) -> None:
    """Training runs n_jobs folds at once (models_ml/parallel.py); one at a time on one
    thread must give the same tables, bit for bit (the runs table differs only in the n_jobs
    it records)."""
    together, one_by_one = (
        training.result_tables(
            training.evaluate_all(tracks, replace(SMALL_ML, n_jobs=n_jobs)),
            "run",
            "data",
            SMALL_ML,
            "now",
        )
        for n_jobs in (2, 1)
    )
    assert together.keys() == one_by_one.keys()
    for name, table in together.items():
        other = one_by_one[name]
        if name == "model_runs":
            table, other = (
                frame.drop(columns=["parameters", "fit_seconds"]) for frame in (table, other)
            )
        pd.testing.assert_frame_equal(table, other, check_exact=True, obj=name)
    assert len(together["genre_predictions"]) and len(together["shap_values"])


@pytest.mark.dbt_fixture
@pytest.mark.parametrize(
    "change",
    ["one raw value", "one setting", "forced"],
)
def test_new_inputs_or_forcing_train_again(
    tracks: pd.DataFrame, trained: Path, tmp_path: Path, change: str
) -> None:
    root = copy_models(trained, tmp_path)
    reused_id = the_run_folder(root).name
    settings, force, frame = SMALL_ML, False, tracks.copy()
    if change == "one raw value":
        frame.loc[frame.index[0], "danceability"] = 0.123456
        reason = "the input rows changed since run"
    elif change == "one setting":
        settings = replace(SMALL_ML, smoothing=6.0)
        reason = "the settings changed since run"
    else:
        force = True
        reason = "forced (ml_refresh var or --full-refresh)"
    lines = Lines()
    summary = training.run(frame, settings, root, force=force, emit=lines)
    assert not summary["is_reused"]
    assert (summary["run_id"] == reused_id) == (change == "forced")
    assert reason in lines[0], lines[0]
    assert fits_reported(lines) > 0
    manifest, problem = artifacts.verify_run(Path(summary["run_folder"]))
    assert manifest is not None, problem


@pytest.mark.dbt_fixture
@pytest.mark.parametrize(
    "damage", ["truncated parquet", "edited parquet", "missing bundle", "no manifest"]
)
def test_a_damaged_run_folder_is_trained_again_never_half_used(
    tracks: pd.DataFrame, trained: Path, tmp_path: Path, damage: str
) -> None:
    root = copy_models(trained, tmp_path)
    folder = the_run_folder(root)
    table = folder / "genre_predictions.parquet"
    if damage == "truncated parquet":
        table.write_bytes(table.read_bytes()[: table.stat().st_size // 2])
    elif damage == "edited parquet":
        data = bytearray(table.read_bytes())
        data[len(data) // 2] ^= 0xFF
        table.write_bytes(bytes(data))
    elif damage == "missing bundle":
        (folder / artifacts.BUNDLE).unlink()
    else:
        (folder / artifacts.MANIFEST).unlink()
    manifest, problem = artifacts.verify_run(folder)
    assert manifest is None and problem
    lines = Lines()
    summary = training.run(tracks, SMALL_ML, root, emit=lines)
    assert not summary["is_reused"] and summary["run_id"] == folder.name
    assert lines[0].startswith(f"ML: training run {folder.name}: its folder is damaged ({problem})")
    repaired, problem = artifacts.verify_run(folder)
    assert repaired is not None, problem
    assert read_run_table(folder, "genre_predictions").shape[0] > 0


@pytest.mark.unit
def test_a_code_change_is_a_new_run_id(tmp_path: Path) -> None:
    """A copy of models_ml with one edited comment, imported in a fresh interpreter, names
    runs differently; with the code unchanged it names them the same."""
    copy = tmp_path / "code"
    shutil.copytree(ROOT / "models_ml", copy / "models_ml", ignore=shutil.ignore_patterns("*.pyc"))
    probe = (
        "from models_ml import artifacts; import sys; "
        "import os; assert artifacts.__file__.startswith(os.getcwd()), artifacts.__file__; "
        "print(artifacts.RunKey.current(sys.argv[1], 'data', 'settings').run_id)"
    )

    def run_id(kind: str) -> str:
        env = {**os.environ, "PYTHONPATH": f"{copy}{os.pathsep}{ROOT}"}  # shared: spotify_warehouse
        # From the copy's folder: `python -c` puts the working directory first on sys.path.
        done = subprocess.run(
            [sys.executable, "-c", probe, kind],
            env=env,
            cwd=copy,
            capture_output=True,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    here = {
        kind: artifacts.RunKey.current(kind, "data", "settings").run_id
        for kind in ("ml", "discovery")
    }
    assert {kind: run_id(kind) for kind in here} == here
    with (copy / "models_ml" / "evaluation.py").open("a") as handle:
        handle.write("# a changed comment is changed code\n")
    assert run_id("ml") != here["ml"]
    assert run_id("discovery") == here["discovery"]
    with (copy / "models_ml" / "discovery" / "similarity.py").open("a") as handle:
        handle.write("# changed\n")
    assert run_id("discovery") != here["discovery"]


@pytest.mark.unit
def test_library_versions_name_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    key = artifacts.RunKey.current(artifacts.ML, "data", "settings")
    monkeypatch.setattr(
        artifacts, "library_versions", lambda: {**key.versions, "scikit-learn": "0.0.1"}
    )
    other = artifacts.RunKey.current(artifacts.ML, "data", "settings")
    assert other.run_id != key.run_id
    assert "scikit-learn" in key.versions and "numpy" in key.versions


@pytest.mark.unit
def test_only_the_newest_runs_and_the_protected_one_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SPOTIFY_PROTECTED_RUN_ID", raising=False)
    root = tmp_path / "models"
    for age, run_id in enumerate(["a" * 12, "b" * 12, "c" * 12, "d" * 12, "e" * 12]):
        folder = artifacts.run_dir(root, artifacts.ML, run_id)
        folder.mkdir(parents=True)
        stamp = 1_000_000 + (10 - age) * 100  # "a" newest, "e" oldest
        os.utime(folder, (stamp, stamp))
    artifacts.mark_used(artifacts.run_dir(root, artifacts.ML, "e" * 12))  # reused now
    removed = artifacts.prune_runs(root, artifacts.ML, keep=3, protect={"d" * 12})
    assert sorted(removed) == ["c" * 12]
    kept = sorted(path.name for path in (root / artifacts.ML).iterdir())
    assert kept == ["a" * 12, "b" * 12, "d" * 12, "e" * 12]


@pytest.mark.dbt_fixture
def test_discovery_reuses_its_run_and_rebuilds_a_damaged_one(
    discovery_frames: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracks, genres, playlists, artists = discovery_frames
    root = tmp_path / "models"
    first = run_discovery(tracks, genres, playlists, artists, SMALL_DISCOVERY, root, emit=Lines())
    assert not first["is_reused"]
    folder = Path(first["run_folder"])
    before = {path.name: sha256(path) for path in folder.glob("*.parquet")}

    real_build = discovery_run.build_discovery

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("rebuilt although the run could be reused")

    monkeypatch.setattr(discovery_run, "build_discovery", fail)
    lines = Lines()
    shuffled = playlists.sample(frac=1, random_state=2)
    second = run_discovery(tracks, genres, shuffled, artists, SMALL_DISCOVERY, root, emit=lines)
    assert second["is_reused"] and second["run_id"] == first["run_id"]
    assert lines == [line for line in lines if line.startswith("discovery: reusing run")]
    assert {path.name: sha256(path) for path in folder.glob("*.parquet")} == before

    monkeypatch.setattr(discovery_run, "build_discovery", real_build)
    table = folder / "similar_tracks.parquet"
    table.write_bytes(table.read_bytes()[:100])
    lines = Lines()
    third = run_discovery(tracks, genres, playlists, artists, SMALL_DISCOVERY, root, emit=lines)
    assert not third["is_reused"]
    assert "its folder is damaged (similar_tracks.parquet is 100 bytes" in lines[0]
    assert {path.name: sha256(path) for path in folder.glob("*.parquet")} == before
    assert lines[-1].endswith("done")


@pytest.mark.unit
def test_the_discovery_package_exports_run_discovery() -> None:
    assert discovery_package.run_discovery is discovery_run.run_discovery


@pytest.mark.unit
@pytest.mark.parametrize(
    ("var", "flag", "expected"),
    [
        (None, None, False),
        ("false", None, False),
        ("true", None, True),
        ('"yes"', None, True),
        ('"no"', None, False),
        ("false", True, True),
        ("false", "True", True),
    ],
)
def test_refresh_is_forced_by_the_var_or_full_refresh(
    var: str | None, flag: object, expected: bool
) -> None:
    assert refresh_forced(var, flag) is expected


@pytest.mark.unit
def test_a_bad_refresh_var_is_named() -> None:
    with pytest.raises(ValueError, match="var ml_refresh must be true or false, not 'maybe'"):
        refresh_forced('"maybe"')


@pytest.mark.unit
def test_progress_lines_estimate_the_time_left() -> None:
    now = [0.0]
    lines = Lines()
    progress = Progress("ML", 4, total_weight=10.0, unit="fits", emit=lines, clock=lambda: now[0])
    now[0] = 30.0
    progress.advance("track_genre", "catalog", "best", "fold 1/2", weight=3.0)
    assert lines[-1] == (
        "ML 1/4 fits · track_genre · catalog · best · fold 1/2 · 30s elapsed · about 1m10s left"
    )
    now[0] = 100.0
    progress.advance("a", weight=7.0)
    assert lines[-1].endswith("1m40s elapsed · about 0s left")
    progress.advance("b", weight=0.0)
    progress.advance("c", weight=0.0)
    assert lines[-1] == "ML 4/4 fits · c · 1m40s elapsed · done"


@pytest.mark.unit
def test_progress_lines_are_rate_limited_but_the_last_is_always_shown() -> None:
    now = [0.0]
    lines = Lines()
    progress = Progress("discovery", 3, emit=lines, interval=5.0, clock=lambda: now[0])
    for second in (1.0, 2.0, 3.0):
        now[0] = second
        progress.advance(f"step at {second}")
    assert [line.split(" · ")[1] for line in lines] == ["step at 1.0", "step at 3.0"]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("seconds", "text"), [(0.4, "0s"), (59.6, "1m00s"), (65, "1m05s"), (3725, "1h02m")]
)
def test_durations_read_short(seconds: float, text: str) -> None:
    assert duration(seconds) == text


@pytest.mark.dbt_fixture
def test_the_runs_command_lists_and_clears_the_kept_runs(trained: Path, tmp_path: Path) -> None:
    root = copy_models(trained, tmp_path)
    run_id = the_run_folder(root).name
    missing = str(tmp_path / "no-warehouse.duckdb")
    listed = run_module("models_ml", "runs", "--models-dir", str(root), "--warehouse", missing)
    assert listed.returncode == 0, listed.stderr
    assert f"{root}: 1 run(s); a build keeps the newest 3 per kind" in listed.stdout
    assert f"ml {run_id} " in listed.stdout
    cleared = run_module(
        "models_ml", "runs", "--models-dir", str(root), "--warehouse", missing, "--clear"
    )
    assert cleared.returncode == 0 and "removed 1 run folder(s)" in cleared.stdout
    assert not any((root / artifacts.ML).iterdir())
