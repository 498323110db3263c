"""End to end on the fixture: `dbt build` trains, publishes every ml table, scores new tracks.

The metrics the SQL models compute are checked against scikit-learn on the same
predictions; the CLI is checked against the build's own scoring.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import (
    accuracy_score,
    mean_absolute_error,
    mean_squared_error,
    precision_recall_fscore_support,
    r2_score,
)

from models_ml import artifacts, scoring, training
from models_ml.config import MLSettings
from tests.support import (
    FIXTURE_INCOMING,
    FIXTURE_VARS,
    DbtResult,
    read_run_table,
    run_dbt,
    run_module,
    scalar,
)

ML_TABLES = (
    "model_runs",
    "genre_predictions",
    "popularity_predictions",
    "model_metrics",
    "genre_class_metrics",
    "confusion_matrix",
    "feature_importance",
    "shap_values",
    "partial_dependence",
    "new_track_predictions",
    "browser_models",
)
NEW_TRACKS = FIXTURE_INCOMING / "new_tracks.csv"
# Rows of tests/fixtures/incoming/new_tracks.csv that break a rule, with their reasons.
EXPECTED_NEW_TRACK_REJECTIONS = {
    4: {"missing_value:energy"},
    5: {"unparseable_number:tempo"},
    6: {"out_of_range:danceability", "out_of_range:key", "out_of_range:mode"},
    7: {
        "unparseable_boolean:is_explicit",
        "non_positive_duration:duration_ms",
        "out_of_range:time_signature",
    },
}


@pytest.fixture(scope="module")
def models_root(fixture_build: tuple[Path, DbtResult]) -> Path:
    return fixture_build[0].parent / "models"


def predict_cli(
    file: Path, models: Path, warehouse: Path | None = None, *options: str
) -> subprocess.CompletedProcess[str]:
    """`python -m models_ml predict FILE --models-dir MODELS [--warehouse DB] OPTIONS`."""
    where = ["--warehouse", str(warehouse)] if warehouse is not None else []
    return run_module(
        "models_ml", "predict", str(file), "--models-dir", str(models), *where, *options
    )


def copy_ml_runs(models_root: Path, tmp_path: Path) -> Path:
    """A private models folder holding the build's training runs, free to tamper with."""
    copied = tmp_path / "models"
    shutil.copytree(models_root / artifacts.ML, copied / artifacts.ML)
    return copied


def reseal(folder: Path, **changes: object) -> None:
    """Edit a run's metadata.json and write its manifest anew: a complete, intact run folder,
    as another build (or other code) would have left it."""
    metadata_path = folder / artifacts.METADATA
    metadata_path.write_text(json.dumps({**json.loads(metadata_path.read_text()), **changes}))
    manifest_path = folder / artifacts.MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest.update(run_id=changes.get("run_id", manifest["run_id"]))
    manifest["files"] = artifacts.file_entries(folder)
    manifest_path.write_text(json.dumps(manifest))


@pytest.mark.dbt_fixture
@pytest.mark.parametrize("table", ML_TABLES)
def test_every_ml_table_is_built_and_filled(
    fixture_db: duckdb.DuckDBPyConnection, table: str
) -> None:
    assert scalar(fixture_db, f"select count(*) from ml.{table}") > 0


@pytest.mark.dbt_fixture
def test_each_task_and_scenario_has_all_its_models(fixture_db: duckdb.DuckDBPyConnection) -> None:
    """The three models everywhere; the browser model (a new track's case) in cold start and
    new track; the audio-only genre model in the catalog's genre tasks."""
    rows = fixture_db.execute(
        "select task, scenario, list(distinct model order by model) from ml.model_runs "
        "group by all order by all"
    ).fetchall()
    assert [(task, scenario) for task, scenario, _ in rows] == [
        (task, scenario)
        for task in ("playlist_genre", "popularity", "track_genre")
        for scenario in ("catalog", "cold_start", "new_track")
    ]
    for task, scenario, models in rows:
        extra = ["browser_mlp"] if scenario != "catalog" else []
        if scenario == "catalog" and task != "popularity":
            extra = ["audio_only"]
        assert models == sorted(["baseline", "best", "reference_rf", *extra]), (task, scenario)


@pytest.mark.dbt_fixture
def test_no_track_is_in_the_training_data_of_the_model_that_predicts_it(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    """One prediction per track and model, and one fold per track across tasks and models.

    A model of fold k is trained on the tracks of the other folds, so a track with a
    single fold is never in the training data of the model that predicted it.
    """
    duplicated = scalar(
        fixture_db,
        "select count(*) from (select task, scenario, model, track_id from ml.genre_predictions "
        "group by all having count(*) > 1)",
    )
    spread = scalar(
        fixture_db,
        "select count(*) from (select scenario, track_id from ("
        " select scenario, track_id, fold from ml.genre_predictions union all"
        " select scenario, track_id, fold from ml.popularity_predictions)"
        " group by all having count(distinct fold) > 1)",
    )
    artists_split = scalar(
        fixture_db,
        "select count(*) from (select p.scenario, d.primary_artist_id "
        "from ml.popularity_predictions p join marts.dim_tracks d using (track_id) "
        "where p.scenario in ('cold_start', 'new_track') group by all "
        "having count(distinct p.fold) > 1)",
    )
    songs_split = scalar(
        fixture_db,
        "select count(*) from (select d.song_key from ml.genre_predictions p "
        "join marts.dim_tracks d using (track_id) where p.scenario = 'catalog' "
        "group by 1 having count(distinct p.fold) > 1)",
    )
    assert (duplicated, spread, artists_split, songs_split) == (0, 0, 0, 0)


def _metrics(connection: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return connection.execute(
        "select task, scenario, model, fold, metric, value from ml.model_metrics "
        "where statistic = 'fold'"
    ).df()


@pytest.mark.dbt_fixture
def test_genre_metrics_computed_in_sql_match_scikit_learn(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    predictions = fixture_db.execute("select * from ml.genre_predictions").df()
    metrics = _metrics(fixture_db).set_index(["task", "scenario", "model", "fold", "metric"])
    checked = 0
    for key, fold in predictions.groupby(["task", "scenario", "model", "fold"]):
        precision, recall, f1, _ = precision_recall_fscore_support(
            fold["actual_genre"], fold["predicted_genre"], average="macro", zero_division=0
        )
        expected = {
            "accuracy": accuracy_score(fold["actual_genre"], fold["predicted_genre"]),
            "macro_precision": precision,
            "macro_recall": recall,
            "macro_f1": f1,
            "top_5_accuracy": np.mean(
                [
                    a in list(top)
                    for a, top in zip(fold["actual_genre"], fold["top_genres"], strict=True)
                ]
            ),
            "any_genre_accuracy": np.mean(
                [
                    p in list(a)
                    for p, a in zip(fold["predicted_genre"], fold["actual_genres"], strict=True)
                ]
            ),
        }
        for metric, value in expected.items():
            assert metrics.loc[(*key, metric), "value"] == pytest.approx(value), (key, metric)
            checked += 1
    # 6 metrics x 2 genre tasks x (4 catalog models + 4 cold-start + 4 new-track) x 5 folds.
    assert checked == 6 * 2 * (4 + 4 + 4) * 5


@pytest.mark.dbt_fixture
def test_popularity_metrics_computed_in_sql_match_scikit_learn(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    predictions = fixture_db.execute("select * from ml.popularity_predictions").df()
    metrics = _metrics(fixture_db).set_index(["task", "scenario", "model", "fold", "metric"])
    checked = 0
    for (scenario, model, fold_number), fold in predictions.groupby(["scenario", "model", "fold"]):
        actual, predicted = fold["actual_popularity"], fold["predicted_popularity"]
        expected = {
            "r2": r2_score(actual, predicted),
            "mae": mean_absolute_error(actual, predicted),
            "rmse": mean_squared_error(actual, predicted) ** 0.5,
        }
        for metric, value in expected.items():
            key = ("popularity", scenario, model, fold_number, metric)
            assert metrics.loc[key, "value"] == pytest.approx(value), key
            checked += 1
    assert checked == (3 + 4 + 4) * 5 * 3  # models (catalog, cold start, new track), folds, metrics


@pytest.mark.dbt_fixture
def test_metric_summaries_are_mean_and_std_of_the_folds(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    mismatches = scalar(
        fixture_db,
        """
        with folds as (
            select task, scenario, model, metric, avg(value) as mean, stddev_samp(value) as std
            from ml.model_metrics where statistic = 'fold' group by all
        )
        select count(*) from folds
        join ml.model_metrics m_mean using (task, scenario, model, metric)
        join ml.model_metrics m_std using (task, scenario, model, metric)
        where m_mean.statistic = 'mean' and m_std.statistic = 'std'
          and (abs(m_mean.value - folds.mean) > 1e-12
               or abs(coalesce(m_std.value, 0) - coalesce(folds.std, 0)) > 1e-12)
        """,
    )
    assert mismatches == 0


@pytest.mark.dbt_fixture
def test_training_is_deterministic(
    fixture_db: duckdb.DuckDBPyConnection, models_root: Path, tmp_path: Path
) -> None:
    """Training again on the same data (a new models folder: nothing to reuse) gives the
    build's predictions, bit for bit; its progress counts exactly the fits it planned."""
    tracks = fixture_db.execute("select * from intermediate.int_tracks_labelled").df()
    lines: list[str] = []
    summary = training.run(tracks, MLSettings(), tmp_path, emit=lines.append)
    assert not summary["is_reused"]
    units, _ = training.plan(MLSettings())
    counted = [line for line in lines if " fits · " in line]
    assert len(counted) == units and counted[-1].startswith(f"ML {units}/{units} fits · ")
    build_run = artifacts.run_dir(models_root, artifacts.ML, summary["run_id"])
    for table in ("genre_predictions", "popularity_predictions", "fold_metrics"):
        first = read_run_table(build_run, table)
        second = read_run_table(Path(summary["run_folder"]), table)
        pd.testing.assert_frame_equal(first, second, check_exact=True)


@pytest.mark.dbt_fixture
def test_incoming_rows_are_quarantined_with_their_reasons(
    fixture_db: duckdb.DuckDBPyConnection,
) -> None:
    rows = fixture_db.execute(
        "select source_row_number, rejection_reasons from quality.quarantined_rows "
        "where source_name = 'incoming.new_tracks'"
    ).fetchall()
    assert {row: set(reasons.split(";")) for row, reasons in rows} == EXPECTED_NEW_TRACK_REJECTIONS
    reconciled = fixture_db.execute(
        "select raw_rows, accepted_rows, quarantined_rows, unaccounted_rows "
        "from quality.source_reconciliation where source_name = 'incoming.new_tracks'"
    ).fetchall()
    assert reconciled == [(7, 3, 4, 0)]
    assert scalar(fixture_db, "select count(*) from ml.new_track_predictions") == 3


@pytest.mark.unit
def test_cli_validation_agrees_with_the_warehouse_rules() -> None:
    validated = scoring.validate_new_tracks(scoring.read_new_tracks(NEW_TRACKS))
    rejected = validated[~validated["is_accepted"]]
    found = {
        int(row): set(reasons.split(";"))
        for row, reasons in zip(
            rejected["source_row_number"], rejected["rejection_reasons"], strict=True
        )
    }
    assert found == EXPECTED_NEW_TRACK_REJECTIONS
    undetected = validated.set_index("track_id").loc["new-ok-3"]
    assert np.isnan(undetected["tempo"]) and np.isnan(undetected["time_signature"])


@pytest.mark.unit
def test_cli_validation_reads_lines_like_the_warehouse(tmp_path: Path) -> None:
    """predict reads with the warehouse's reader: a malformed line is a rejected row with
    its own number, later rows keep theirs, and NaN / inf are not numbers."""
    lines = NEW_TRACKS.read_text(encoding="utf-8").splitlines()
    good = lines[1]
    path = tmp_path / "new.csv"
    path.write_text(
        "\n".join([lines[0], good, "1,2,3", good.replace(",120.0,", ",inf,"), good]) + "\n",
        encoding="utf-8",
    )
    validated = scoring.validate_new_tracks(scoring.read_new_tracks(path))
    assert list(validated["source_row_number"]) == [1, 2, 3, 4]
    assert list(validated["is_accepted"]) == [True, False, False, True]
    assert validated["rejection_reasons"].iloc[1] == "malformed_line"
    assert validated["malformed_detail"].iloc[1] == "expected 16 fields, found 3"
    assert validated["rejection_reasons"].iloc[2] == "unparseable_number:tempo"


@pytest.mark.dbt_fixture
def test_cli_prints_what_the_build_stored(
    fixture_build: tuple[Path, DbtResult],
    fixture_db: duckdb.DuckDBPyConnection,
    models_root: Path,
) -> None:
    result = predict_cli(NEW_TRACKS, models_root, fixture_build[0], "--format", "csv")
    assert result.returncode == 1, result.stderr  # some rows rejected
    printed = pd.read_csv(pd.io.common.StringIO(result.stdout))
    stored = fixture_db.execute(
        "select track_id, track_genre_1, predicted_popularity from ml.new_track_predictions "
        "order by source_row_number"
    ).df()
    assert (
        list(printed["track_id"])
        == list(stored["track_id"])
        == ["new-ok-1", "new-ok-2", "new-ok-3"]
    )
    assert list(printed["track_genre_1"]) == list(stored["track_genre_1"])
    assert np.allclose(printed["predicted_popularity"], stored["predicted_popularity"], atol=1e-4)
    for row, reasons in EXPECTED_NEW_TRACK_REJECTIONS.items():
        assert f"rejected row {row}:" in result.stderr
        assert all(reason in result.stderr for reason in reasons)


@pytest.mark.dbt_fixture
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "file not found"),
        ("", "not a readable CSV"),
        ("track_id,danceability\nx,0.5\n", "missing from the header"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a readable CSV"),
    ],
)
def test_cli_explains_a_malformed_file(
    fixture_build: tuple[Path, DbtResult],
    models_root: Path,
    tmp_path: Path,
    content: str | bytes | None,
    message: str,
) -> None:
    path = tmp_path / "new.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = predict_cli(path, models_root, fixture_build[0])
    assert result.returncode == 2
    assert message in result.stderr and str(path) in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.dbt_fixture
def test_cli_without_models_says_how_to_get_them(
    fixture_build: tuple[Path, DbtResult], tmp_path: Path
) -> None:
    result = predict_cli(NEW_TRACKS, tmp_path / "none", fixture_build[0])
    assert result.returncode == 2
    assert "no trained models" in result.stderr and "make build" in result.stderr


@pytest.mark.dbt_fixture
def test_cli_without_a_warehouse_says_how_to_get_one(models_root: Path, tmp_path: Path) -> None:
    """The run to use comes from the warehouse: none there, no guess at a models folder."""
    missing = tmp_path / "none.duckdb"
    result = predict_cli(NEW_TRACKS, models_root, missing)
    assert result.returncode == 2
    assert f"{missing}: warehouse not found" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def copied_runs(
    fixture_db: duckdb.DuckDBPyConnection, models_root: Path, tmp_path: Path
) -> tuple[Path, Path]:
    """A private copy of the build's ML runs to tamper with, and the live run's folder in it."""
    run_id = str(scalar(fixture_db, "select distinct run_id from ml.model_runs"))
    copied = copy_ml_runs(models_root, tmp_path)
    return copied, artifacts.run_dir(copied, artifacts.ML, run_id)


@pytest.mark.dbt_fixture
def test_cli_uses_the_run_the_warehouse_names(
    fixture_build: tuple[Path, DbtResult], copied_runs: tuple[Path, Path]
) -> None:
    """A newer run in the models folder (a build that trained, then failed) is not used."""
    copied, live_run = copied_runs
    newer = artifacts.run_dir(copied, artifacts.ML, "f" * 12)
    shutil.copytree(live_run, newer)
    reseal(newer, run_id="f" * 12)
    result = predict_cli(NEW_TRACKS, copied, fixture_build[0])
    assert result.returncode == 1, result.stderr
    assert f"models: run {live_run.name} " in result.stdout
    # It says how good it is for new tracks: the new_track scenario's best-model means.
    with duckdb.connect(str(fixture_build[0]), read_only=True) as connection:
        r2 = scalar(
            connection,
            "select value from ml.model_metrics where scenario = 'new_track' and model = 'best' "
            "and metric = 'r2' and statistic = 'mean'",
        )
    quality = next(line for line in result.stdout.splitlines() if line.startswith("quality"))
    assert "scenario new_track" in quality and f"popularity R² {r2:.3f} (reference RF" in quality
    named = predict_cli(NEW_TRACKS, copied, None, "--run", "f" * 12)
    assert "models: run ffffffffffff " in named.stdout, named.stderr
    assert "quality for new tracks: ml.model_metrics, scenario new_track" in named.stdout


@pytest.mark.dbt_fixture
def test_cli_refuses_models_saved_by_other_code(
    fixture_build: tuple[Path, DbtResult], copied_runs: tuple[Path, Path]
) -> None:
    copied, live_run = copied_runs
    reseal(live_run, code_fingerprint="0" * 16)
    result = predict_cli(NEW_TRACKS, copied, fixture_build[0])
    assert result.returncode == 2
    assert "another version of models_ml" in result.stderr and "make build" in result.stderr


@pytest.mark.dbt_fixture
def test_cli_refuses_a_damaged_run_folder(
    fixture_build: tuple[Path, DbtResult], copied_runs: tuple[Path, Path]
) -> None:
    copied, live_run = copied_runs
    bundle = live_run / artifacts.BUNDLE
    bundle.write_bytes(bundle.read_bytes()[:1000])
    result = predict_cli(NEW_TRACKS, copied, fixture_build[0])
    assert result.returncode == 2
    assert "the run folder is damaged (bundle.joblib is 1,000 bytes" in result.stderr
    assert "Traceback" not in result.stderr


# --- a second build reuses the first one's runs ----------------------------------------


@pytest.fixture(scope="module")
def second_build(
    fixture_build: tuple[Path, DbtResult],
    models_root: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, DbtResult]:
    """`dbt build` of the fixture again, into a new warehouse, with the first build's models
    folder: nothing the models read has changed."""
    workdir = tmp_path_factory.mktemp("second_build")
    warehouse = workdir / "warehouse.duckdb"
    result = run_dbt(
        ["build"],
        workdir,
        warehouse,
        FIXTURE_VARS,
        extra_env={"SPOTIFY_MODELS_DIR": str(models_root)},
        parsed_in=fixture_build[0].parent,
    )
    assert result.ok, result.output[-5000:]
    return warehouse, result


def table_digests(warehouse: Path, schema: str) -> dict[str, tuple[int, str]]:
    """Row count and an order-free digest of every row's text, per table of a schema."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [schema],
            ).fetchall()
        ]
        return {
            table: connection.execute(
                f"select count(*), md5(coalesce(string_agg(md5(cast(t as varchar)), ',' "
                f"order by md5(cast(t as varchar))), '')) from {schema}.{table} as t"
            ).fetchone()
            for table in tables
        }


@pytest.mark.dbt_fixture
def test_a_second_build_reuses_the_runs_and_fits_nothing(
    fixture_build: tuple[Path, DbtResult],
    fixture_db: duckdb.DuckDBPyConnection,
    second_build: tuple[Path, DbtResult],
) -> None:
    run_id = scalar(fixture_db, "select run_id from intermediate.int_ml_models_trained")
    discovery_id = scalar(fixture_db, "select run_id from intermediate.int_discovery_built")
    first, second = fixture_build[1].output, second_build[1].output
    assert f"ML: training run {run_id}" in first and " fits · " in first
    assert f"ML: reusing run {run_id} trained " in second
    assert f"discovery: reusing run {discovery_id} built " in second
    assert " fits · " not in second and "discovery 1/" not in second
    with duckdb.connect(str(second_build[0]), read_only=True) as connection:
        reused = connection.execute(
            "select ml.is_reused, d.is_reused, ml.run_id, d.run_id "
            "from intermediate.int_ml_models_trained ml, intermediate.int_discovery_built d"
        ).fetchone()
    assert reused == (True, True, run_id, discovery_id)
    assert scalar(fixture_db, "select is_reused from intermediate.int_ml_models_trained") is False


@pytest.mark.dbt_fixture
def test_a_reused_build_publishes_the_same_ml_tables(
    fixture_build: tuple[Path, DbtResult], second_build: tuple[Path, DbtResult]
) -> None:
    first = table_digests(fixture_build[0], "ml")
    # The re-ranker's importance is empty on the fixture: with one evaluated playlist it
    # falls back to its fixed order (test_discovery_fixture_build checks that it did).
    filled = {name: rows for name, (rows, _) in first.items()}
    filled.pop("recommender_feature_importance")
    assert len(first) >= 19 and all(rows > 0 for rows in filled.values())
    assert table_digests(second_build[0], "ml") == first


@pytest.mark.dbt_fixture
def test_the_refresh_var_and_full_refresh_force_training(
    second_build: tuple[Path, DbtResult], tmp_path: Path
) -> None:
    """Run the two training models alone, with small settings, on a copy of the second
    warehouse and an empty models folder: trains, then --full-refresh and ml_refresh train
    again, then a plain run reuses."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(second_build[0], warehouse)
    small = {
        **FIXTURE_VARS,
        "ml_settings": {"n_folds": 2, "tasks": ["popularity"], "scenarios": ["cold_start"]},
        "discovery_settings": {
            "k_values": [3],
            "kmeans_n_init": 1,
            "reranker_grid": [[20, 7]],
            "bootstrap_samples": 0,
        },
    }
    select = ["run", "--select", "int_ml_models_trained", "int_discovery_built"]
    models = {"SPOTIFY_MODELS_DIR": str(tmp_path / "models")}

    def run(*extra: str, **more_vars: object) -> str:
        # One models folder for every run; a target folder per set of vars, so that the
        # runs with the same vars reuse one parse of the project (`reuse_parse`).
        workdir = tmp_path / ("more_vars" if more_vars else "small_vars")
        result = run_dbt(
            [*select, *extra], workdir, warehouse, {**small, **more_vars}, extra_env=models
        )
        assert result.ok, result.output[-3000:]
        return result.output

    first = run()
    assert "ML: training run " in first and "discovery: building run " in first
    forced_note = ": forced (ml_refresh var or --full-refresh)"
    for forced in (run("--full-refresh"), run(ml_refresh=True)):
        assert "ML: training run " in forced and "discovery: building run " in forced
        assert forced.count(forced_note) == 2
    again = run()
    assert "ML: reusing run " in again and "discovery: reusing run " in again
