"""The browser models (models_ml/browser_models.py): their JSON is the model, exactly.

A forward pass written here from the JSON alone (what reports/static/try.js does) must give
scikit-learn's outputs; rounding must leave nothing the JSON cannot carry; contributions
must mean what the page says. No dbt build, no browser.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from models_ml.browser_models import (
    ARCHITECTURES,
    BROWSER_FEATURES,
    SIGNIFICANT_DIGITS,
    BrowserMLP,
    browser_models_table,
    contributions,
    make_browser_model,
    outputs,
    rounded,
)
from models_ml.config import BROWSER_MODEL, SCENARIOS, task_by_name
from models_ml.estimators import describe, make_model

pytestmark = pytest.mark.unit


def synthetic(n: int = 600, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Features in BROWSER_FEATURES' shape, three separable classes and a smooth target."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(n, len(BROWSER_FEATURES))), columns=BROWSER_FEATURES)
    frame["tempo"] = 120 + 20 * frame["tempo"]
    frame.loc[rng.random(n) < 0.05, "tempo"] = np.nan  # undetected tempo
    classes = np.array(["jazz", "pop", "rock"])[np.digitize(frame["energy"], [-0.5, 0.5])]
    target = 40 + 10 * frame["danceability"] - 5 * frame["energy"] + rng.normal(0, 1, n)
    return frame, classes, target.to_numpy()


def forward_from_json(model: dict, rows: pd.DataFrame) -> np.ndarray:
    """try.js's arithmetic, from the JSON only."""
    values = rows[model["features"]].to_numpy(dtype=float)
    layer = (np.where(np.isnan(values), model["medians"], values) - model["mean"]) / model["scale"]
    for index, step in enumerate(model["layers"]):
        layer = layer @ np.asarray(step["weights"]).T + step["bias"]
        if index < len(model["layers"]) - 1:
            layer = np.maximum(layer, 0)
    if model["output_activation"] == "softmax":
        exps = np.exp(layer - layer.max(axis=1, keepdims=True))
        return exps / exps.sum(axis=1, keepdims=True)
    return np.clip(layer[:, 0] * model["target_scale"] + model["target_mean"], 0, 100)[:, None]


def test_rounding_keeps_what_json_can_carry() -> None:
    values = np.array([0.123456789123, -1234567.891, 3e-12, 0.0, 1.0])
    kept = rounded(values)
    assert kept.tolist() == [0.1234568, -1234568.0, 3e-12, 0.0, 1.0]
    assert json.loads(json.dumps(kept.tolist())) == kept.tolist()
    assert all(len(f"{value:.{SIGNIFICANT_DIGITS}g}") <= 13 for value in kept)


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_the_json_is_the_model_exactly(kind: str) -> None:
    frame, classes, target = synthetic()
    model = BrowserMLP(kind, (16, 8), 1e-3, max_iter=200, random_state=1)
    model.fit(frame, classes if kind == "classification" else target)
    exported = json.loads(json.dumps(model.to_json()))
    # Every parameter of the fitted network survives JSON unchanged.
    for step, weights, bias in zip(
        exported["layers"], model.network_.coefs_, model.network_.intercepts_, strict=True
    ):
        assert np.array_equal(np.asarray(step["weights"]).T, weights)
        assert np.array_equal(step["bias"], bias)
    assert exported["medians"] == model.medians_.tolist()
    assert [len(step["bias"]) for step in exported["layers"][:-1]] == [16, 8]
    assert np.allclose(
        forward_from_json(exported, frame), outputs(model, frame), rtol=0, atol=1e-12
    )


def test_a_missing_value_takes_the_training_median() -> None:
    frame, classes, _ = synthetic()
    model = BrowserMLP("classification", (8,), random_state=0).fit(frame, classes)
    row = frame.iloc[[0]].copy()
    row["tempo"] = np.nan
    filled = row.copy()
    filled["tempo"] = model.medians_[list(BROWSER_FEATURES).index("tempo")]
    assert np.array_equal(model.predict_proba(row), model.predict_proba(filled))
    assert not np.isnan(model.medians_).any()


def test_contributions_compare_with_the_median_value() -> None:
    frame, _, target = synthetic()
    model = BrowserMLP("regression", (8,), random_state=0).fit(frame, target)
    rows = frame.iloc[:5].copy()
    moved = contributions(model, rows)
    assert list(moved.columns) == list(BROWSER_FEATURES)
    # A feature already at its median moved nothing; danceability drives the target most.
    at_median = rows.copy()
    at_median["key"] = model.medians_[list(BROWSER_FEATURES).index("key")]
    assert (contributions(model, at_median)["key"] == 0).all()
    assert moved["danceability"].abs().mean() > moved["key"].abs().mean()
    first = rows.iloc[[0]].copy()
    first["danceability"] = model.medians_[list(BROWSER_FEATURES).index("danceability")]
    expected = outputs(model, rows.iloc[[0]])[0, 0] - outputs(model, first)[0, 0]
    assert moved["danceability"].iloc[0] == pytest.approx(expected, abs=1e-12)


def test_each_task_has_its_architecture_and_only_the_new_artist_folds_evaluate_it() -> None:
    for name, architecture in ARCHITECTURES.items():
        model = make_browser_model(task_by_name(name), seed=3)
        assert model.hidden_layer_sizes == architecture.hidden_layer_sizes
        assert model.kind == task_by_name(name).kind
    scenarios = {scenario.name: scenario.extra_models for scenario in SCENARIOS}
    assert scenarios == {
        "catalog": (),
        "cold_start": (BROWSER_MODEL,),
        "new_track": (BROWSER_MODEL,),
    }
    described = describe(make_model(BROWSER_MODEL, task_by_name("popularity"), SCENARIOS[1], 3, 1))
    assert described["estimator"] == "BrowserMLP"
    assert described["params"]["hidden_layer_sizes"] == list(
        ARCHITECTURES["popularity"].hidden_layer_sizes
    )


def test_the_published_table_holds_the_json_and_its_size() -> None:
    frame, classes, _ = synthetic()
    model = BrowserMLP("classification", (8,), random_state=0).fit(frame, classes)
    table = browser_models_table({"playlist_genre": model}, "run-1", 7)
    row = table.iloc[0]
    assert json.loads(row["parameters_json"]) == json.loads(json.dumps(model.to_json()))
    assert row["json_bytes"] == len(row["parameters_json"].encode())
    assert (row["model"], row["seed"], row["hidden_layer_sizes"]) == (BROWSER_MODEL, 7, [8])
