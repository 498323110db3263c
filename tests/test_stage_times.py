"""The per-stage time summary `make` ends with (models_ml.stage_times), without a build."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from models_ml import stage_times

pytestmark = pytest.mark.unit

RUN_RESULTS = {
    "elapsed_time": 600.0,
    "results": [
        {"unique_id": "model.spotify_warehouse.int_ml_models_trained", "execution_time": 400.0},
        {"unique_id": "model.spotify_warehouse.int_discovery_built", "execution_time": 150.0},
        {"unique_id": "model.spotify_warehouse.dim_tracks", "execution_time": 3.0},
        {
            "unique_id": "test.spotify_warehouse.not_empty_int_ml_models_trained_.abc",
            "execution_time": 0.1,
        },
    ],
}


def test_dbt_stages_split_the_build_wall_time() -> None:
    assert stage_times.dbt_stages(RUN_RESULTS) == {
        "SQL layers and tests": 50.0,
        "ML": 400.0,
        "discovery": 150.0,
    }


def test_the_summary_adds_recorded_stages_after_the_build(tmp_path: Path) -> None:
    (tmp_path / "run_results.json").write_text(json.dumps(RUN_RESULTS))
    status = stage_times.run_and_record(
        "reports", [sys.executable, "-c", "import time; time.sleep(0.2)"], tmp_path
    )
    assert status == 0
    text = stage_times.summary(tmp_path, warehouse=str(tmp_path / "none.duckdb"))
    rows = [line.rsplit(maxsplit=1) for line in text.splitlines()[1:]]
    assert text.splitlines()[0] == "Time per stage:"
    assert [(name.strip(), time) for name, time in rows] == [
        ("SQL layers and tests", "50s"),
        ("ML", "6m40s"),
        ("discovery", "2m30s"),
        ("reports", "0s"),
        ("total", "10m00s"),
    ]


def test_a_stage_recorded_before_the_last_build_is_stale(tmp_path: Path) -> None:
    stage_times.run_and_record("reports", [sys.executable, "-c", "pass"], tmp_path)
    results = tmp_path / "run_results.json"
    results.write_text(json.dumps(RUN_RESULTS))
    later = results.stat().st_mtime + 10
    os.utime(results, (later, later))
    assert "reports" not in stage_times.summary(tmp_path, warehouse=str(tmp_path / "x.duckdb"))


def test_a_failed_command_is_not_recorded_and_its_status_returned(tmp_path: Path) -> None:
    status = stage_times.run_and_record("reports", [sys.executable, "-c", "exit(3)"], tmp_path)
    assert status == 3
    assert not (tmp_path / stage_times.RECORD).exists()


def test_without_a_build_the_summary_says_what_to_do(tmp_path: Path) -> None:
    assert "run `make build` first" in stage_times.summary(tmp_path)
