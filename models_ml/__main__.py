"""Command line: score new tracks, and ask for recommendations.

    python -m models_ml predict FILE.csv [--warehouse DB | --run RUN_ID] [--models-dir DIR]
                                         [--format table|csv]
    python -m models_ml recommend (--playlist PLAYLIST_ID | --like TRACK_ID | --mood NAME)
                                  [--size N] [--warehouse DB]
    python -m models_ml runs [--models-dir DIR] [--warehouse DB] [--clear]

`predict` uses the scoring models of the run the warehouse's ml tables name (so the CLI and
ml.new_track_predictions always agree), or of the run given with --run. Prints how good
those models are for a new track (the new_track scenario's mean metrics, which evaluate
exactly this path), then, per accepted row, the top-3 genres (114-genre taxonomy) and the
top playlist genre with their probabilities and the predicted popularity; rows that break
a quality rule are listed on stderr with their reasons. Exit status: 0 all rows scored, 1
some rows rejected, 2 the file or the models could not be used (the message says why).

`recommend` reads the built warehouse (read-only): tracks to add to a playlist, from the best
recommender on the hold-out (the hybrid; ml.playlist_recommendations), with the reason each
was picked; the 10 tracks nearest to a track by audio (ml.similar_tracks); or a mood playlist
(marts.mart_mood_playlists). Exit status 0, or 2 with a one-line message for an unknown
playlist id, track id or mood, or a warehouse that is missing, locked or not built yet.

`runs` lists the runs kept in the models folder (ML and discovery, newest use first: id,
when made, last use, size, and whether the warehouse names it); `--clear` removes them all
except the ML run the warehouse names (its models score `predict`). A build keeps the
newest 3 of each kind by itself.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import duckdb
import pandas as pd

from models_ml import artifacts, discovery_queries, scoring
from models_ml.refresh import live_run_id
from spotify_warehouse.warehouse import (
    WarehouseUnavailableError,
    connect_readonly,
    warehouse_path,
    warehouse_run_id,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m models_ml", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="score a CSV of new tracks")
    predict.add_argument("file", help="CSV with the audio columns of dataset.csv")
    predict.add_argument(
        "--models-dir",
        help=f"models folder (default: ${artifacts.MODELS_DIR_ENV_VAR} or data/models)",
    )
    predict.add_argument(
        "--warehouse",
        help="DuckDB file naming the run to use (default: $SPOTIFY_WAREHOUSE_PATH or "
        "data/warehouse.duckdb)",
    )
    predict.add_argument("--run", metavar="RUN_ID", help="use this run's models instead")
    predict.add_argument("--format", choices=("table", "csv"), default="table")
    recommend = commands.add_parser(
        "recommend", help="tracks for a playlist, similar tracks, or a mood playlist"
    )
    wanted = recommend.add_mutually_exclusive_group(required=True)
    wanted.add_argument(
        "--playlist", metavar="PLAYLIST_ID", help="tracks to add to this playlist (up to 10)"
    )
    wanted.add_argument("--like", metavar="TRACK_ID", help="tracks that sound like this one")
    wanted.add_argument("--mood", metavar="NAME", help="a mood playlist (e.g. chill, party)")
    recommend.add_argument("--size", type=int, default=10, help="how many tracks (default 10)")
    recommend.add_argument(
        "--warehouse",
        help="DuckDB file (default: $SPOTIFY_WAREHOUSE_PATH or data/warehouse.duckdb)",
    )
    recommend.add_argument("--format", choices=("table", "csv"), default="table")
    runs = commands.add_parser("runs", help="list (or clear) the runs kept in the models folder")
    runs.add_argument("--models-dir", help="models folder (default: as for predict)")
    runs.add_argument("--warehouse", help="DuckDB file whose run is kept by --clear")
    runs.add_argument(
        "--clear", action="store_true", help="remove every run but the warehouse's ML run"
    )
    return parser


#: The headline metrics `predict` quotes for its own case (the new_track scenario).
QUALITY_METRICS = (
    ("track_genre", "accuracy", "114-genre accuracy"),
    ("playlist_genre", "accuracy", "6-genre accuracy"),
    ("popularity", "r2", "popularity R²"),
    ("popularity", "mae", "MAE"),
)


def new_track_quality(connection: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """One line: how good `predict` is, i.e. the best models' mean metrics in the new_track
    scenario of `run_id` (ml.model_metrics), beside the reference RF's; None if absent."""
    try:
        rows = connection.execute(
            "select task, metric, model, value from ml.model_metrics where run_id = ? "
            "and scenario = 'new_track' and statistic = 'mean' "
            "and model in ('best', 'reference_rf')",
            [run_id],
        ).fetchall()
    except duckdb.Error:
        return None
    values = {(task, metric, model): value for task, metric, model, value in rows}
    parts = [
        f"{label} {values[(task, metric, 'best')]:.3f} "
        f"(reference RF {values[(task, metric, 'reference_rf')]:.3f})"
        for task, metric, label in QUALITY_METRICS
        if (task, metric, "best") in values and (task, metric, "reference_rf") in values
    ]
    if not parts:
        return None
    return (
        "quality for new tracks (scenario new_track, unseen artists, mean of the folds in "
        "ml.model_metrics): " + ", ".join(parts)
    )


def scoring_run(run_id: str | None, warehouse: str | None) -> tuple[str, str | None]:
    """The run whose models score (--run, else the one the warehouse's ml tables name), and
    the warehouse's line on their new-track quality, if it publishes that run."""
    if run_id:
        try:
            connection = connect_readonly(warehouse)
        except WarehouseUnavailableError:
            return run_id, None
        try:
            return run_id, new_track_quality(connection, run_id)
        finally:
            connection.close()
    connection = connect_readonly(warehouse)
    try:
        found = warehouse_run_id(connection)
        quality = new_track_quality(connection, found) if found else None
    finally:
        connection.close()
    if found is None:
        raise artifacts.ModelsUnavailableError(
            f"{warehouse_path(warehouse)}: the warehouse holds no trained run (ml.model_runs); "
            "build it with `make build`, or name a run with --run"
        )
    return found, quality


def predict(
    file: str,
    models_dir: str | None,
    output_format: str,
    warehouse: str | None = None,
    run_id: str | None = None,
) -> int:
    try:
        raw = scoring.read_new_tracks(file)
        run, quality = scoring_run(run_id, warehouse)
        bundle, metadata = artifacts.load_bundle(
            artifacts.run_dir(artifacts.models_dir(models_dir), artifacts.ML, run)
        )
    except (
        scoring.NewTracksError,
        artifacts.ModelsUnavailableError,
        WarehouseUnavailableError,
    ) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    validated = scoring.validate_new_tracks(raw)
    accepted = validated[validated["is_accepted"]].reset_index(drop=True)
    rejected = validated[~validated["is_accepted"]]
    scores = scoring.score(bundle, accepted)
    table = pd.concat([accepted[["source_row_number", "track_id", "track_name"]], scores], axis=1)
    shown = table[
        [
            "source_row_number",
            "track_id",
            "track_name",
            "track_genre_1",
            "track_genre_1_probability",
            "track_genre_2",
            "track_genre_2_probability",
            "track_genre_3",
            "track_genre_3_probability",
            "playlist_genre_1",
            "playlist_genre_1_probability",
            "predicted_popularity",
        ]
    ].rename(columns={"source_row_number": "row"})
    if output_format == "csv":
        shown.to_csv(sys.stdout, index=False, float_format="%.4f")
    else:
        print(f"models: run {metadata['run_id']} trained {metadata['trained_at']}")
        print(quality or "quality for new tracks: ml.model_metrics, scenario new_track")
        with pd.option_context("display.width", 200, "display.max_columns", None):
            print(shown.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
    for _, row in rejected.iterrows():
        detail = f" ({row['malformed_detail']})" if row.get("malformed_detail") else ""
        print(
            f"rejected row {row['source_row_number']}: {row['rejection_reasons']}{detail}",
            file=sys.stderr,
        )
    return 1 if len(rejected) else 0


def recommend_command(arguments: argparse.Namespace) -> int:
    """`recommend`: print a playlist's recommendations, similar tracks or a mood playlist
    (`discovery_queries`)."""
    try:
        heading, table = discovery_queries.answer_request(
            discovery_queries.Request(arguments.playlist, arguments.like, arguments.mood),
            arguments.warehouse,
            arguments.size,
        )
    except (discovery_queries.RecommendationError, WarehouseUnavailableError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if arguments.format == "csv":
        table.to_csv(sys.stdout, index=False, float_format="%.4f")
    else:
        print(heading)
        with pd.option_context("display.width", 200, "display.max_columns", None):
            print(table.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
    return 0


def runs(arguments: argparse.Namespace) -> int:
    root = artifacts.models_dir(arguments.models_dir)
    live = live_run_id(warehouse_path(arguments.warehouse))
    if arguments.clear:
        removed = artifacts.remove_runs(root, keep=[live] if live else [])
        kept = f"; kept run {live}, which the warehouse names" if live else ""
        print(f"removed {len(removed)} run folder(s) from {root}{kept}")
        return 0
    stored = artifacts.stored_runs(root)
    if not stored:
        print(f"{root}: no runs kept")
        return 0
    table = pd.DataFrame(
        [
            {
                "kind": run.kind,
                "run_id": run.run_id,
                "made": run.created_at or "?",
                "last_used": run.last_used,
                "MB": round(run.megabytes, 1),
                "note": run.problem or ("the warehouse's" if run.run_id == live else ""),
            }
            for run in stored
        ]
    )
    print(f"{root}: {len(stored)} run(s); a build keeps the newest {artifacts.KEEP_RUNS} per kind")
    print(table.to_string(index=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.command == "predict":
        return predict(
            arguments.file,
            arguments.models_dir,
            arguments.format,
            arguments.warehouse,
            arguments.run,
        )
    if arguments.command == "recommend":
        return recommend_command(arguments)
    if arguments.command == "runs":
        return runs(arguments)
    return 2  # unreachable: argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
