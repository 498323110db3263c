"""Command line: score a CSV of new tracks with the saved models, without the warehouse.

    python -m models_ml predict FILE.csv [--models-dir DIR] [--format table|csv]

Prints, per accepted row, the top-3 genres (114-genre taxonomy) and the top playlist genre
with their probabilities and the predicted popularity; rows that break a quality rule are
listed on stderr with their reasons. Exit status: 0 all rows scored, 1 some rows rejected,
2 the file or the models could not be used (the message says why).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import pandas as pd

from models_ml import artifacts, scoring


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m models_ml", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    predict = commands.add_parser("predict", help="score a CSV of new tracks")
    predict.add_argument("file", help="CSV with the audio columns of dataset.csv")
    predict.add_argument(
        "--models-dir",
        help=f"models folder (default: ${artifacts.MODELS_DIR_ENV_VAR} or data/models)",
    )
    predict.add_argument("--format", choices=("table", "csv"), default="table")
    return parser


def predict(file: str, models_dir: str | None, output_format: str) -> int:
    try:
        raw = scoring.read_new_tracks(file)
        bundle, metadata = artifacts.load_bundle(
            artifacts.models_dir(models_dir) / artifacts.SCORING
        )
    except (scoring.NewTracksError, artifacts.ModelsUnavailableError) as error:
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
        with pd.option_context("display.width", 200, "display.max_columns", None):
            print(shown.to_string(index=False, float_format=lambda value: f"{value:.3f}"))
    for _, row in rejected.iterrows():
        print(
            f"rejected row {row['source_row_number']}: {row['rejection_reasons']}",
            file=sys.stderr,
        )
    return 1 if len(rejected) else 0


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    if arguments.command == "predict":
        return predict(arguments.file, arguments.models_dir, arguments.format)
    return 2  # unreachable: argparse requires a command


if __name__ == "__main__":
    sys.exit(main())
