"""The "try a track" page (try.html): the browser models give scikit-learn's numbers.

For 100+ inputs (catalog tracks, random values over each feature's whole range, missing
values), the test sets the page's number boxes in headless Chromium, offline, reads the
outputs the page shows (their exact values sit in data-value attributes) and requires them
to equal, to 1e-6, what the fitted scikit-learn models of the training run give for the same
inputs: the top 5 playlist and track genres with their probabilities, the popularity, and
each feature's contribution to the popularity and to the top playlist genre's probability.
It also checks that the JSON the page carries is the models' own (ml.browser_models), that
moving a slider changes the outputs, and that the page passes the browser check (clean
console, nothing requested off the machine) with both its screenshots written.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from models_ml import artifacts
from models_ml.browser_models import BROWSER_FEATURES, BrowserMLP, contributions, outputs
from reports.browser import _Browser, check_site
from reports.build import BuildResult

pytestmark = pytest.mark.browser

TOLERANCE = 1e-6
TOP = 5
SAMPLE_SEED = 20261205

#: Sets the page's number boxes and fires one input event (the page reads every box on each
#: event); returns what the page shows.
DRIVE_SCRIPT = """
const values = arguments[0];
for (const [name, value] of Object.entries(values)) {
  document.getElementById("input-" + name).value = value === null ? "" : String(value);
}
const first = document.getElementById("input-" + Object.keys(values)[0]);
first.dispatchEvent(new Event("input", {bubbles: true}));
return read_outputs();
"""
READ_SCRIPT = """
function read_outputs() {
  const bars = (id) => [...document.querySelectorAll("#" + id + " li")]
    .map((item) => [item.dataset.label, Number(item.dataset.value)]);
  const parts = (id) => Object.fromEntries([...document.querySelectorAll("#" + id + " tbody tr")]
    .map((row) => [row.dataset.feature, Number(row.dataset.value)]));
  return {
    playlist_genre: bars("playlist-genre-top"),
    track_genre: bars("track-genre-top"),
    popularity: Number(document.getElementById("popularity-value").dataset.value),
    popularity_contributions: parts("contributions-popularity"),
    genre_contributions: parts("contributions-playlist_genre"),
    neighbours: document.querySelectorAll("#neighbours tbody tr").length,
    neighbour_ids: [...document.querySelectorAll("#neighbours tbody tr")]
      .map((row) => row.dataset.trackId),
  };
}
"""


def page_data(site: Path) -> dict[str, Any]:
    """The JSON document try.html carries (models, inputs, tracks)."""
    html = (site / "try.html").read_text(encoding="utf-8")
    found = re.search(r'<script type="application/json" id="try-data">(.*?)</script>', html, re.S)
    assert found, "try.html carries no try-data document"
    return json.loads(found.group(1))


def fitted_browser_models(warehouse: Path) -> tuple[dict[str, BrowserMLP], dict[str, str]]:
    """The scikit-learn browser models of the warehouse's training run, and the JSON text
    ml.browser_models publishes for each task."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        rows = connection.execute(
            "select task, run_id, parameters_json from ml.browser_models order by task"
        ).fetchall()
    run_ids = {run_id for _, run_id, _ in rows}
    assert len(run_ids) == 1, run_ids
    folder = warehouse.parent / "models" / artifacts.ML / run_ids.pop()
    bundle, _ = artifacts.load_bundle(folder)
    return bundle.browser_models, {task: text for task, _, text in rows}


def sample_inputs(data: dict[str, Any], count: int = 110) -> list[dict[str, float | None]]:
    """Inputs to compare on: catalog tracks (some with undetected tempo), random values over
    each feature's whole range, some features left empty, and every box empty."""
    rng = np.random.default_rng(SAMPLE_SEED)
    inputs = data["inputs"]
    columns = data["track_columns"]
    samples: list[dict[str, float | None]] = []
    for track in data["tracks"][: count // 3]:
        samples.append({spec["name"]: track[columns.index(spec["name"])] for spec in inputs})
    while len(samples) < count - 1:
        sample: dict[str, float | None] = {}
        for spec in inputs:
            value = float(rng.uniform(spec["min"], spec["max"]))
            if spec["step"] == 1:
                value = float(round(value))
            sample[spec["name"]] = None if rng.random() < 0.05 else value
        samples.append(sample)
    samples.append(dict.fromkeys((spec["name"] for spec in inputs), None))
    return samples


def python_outputs(
    models: dict[str, BrowserMLP], sample: dict[str, float | None]
) -> dict[str, Any]:
    """What scikit-learn's forward pass gives for one input, shaped as the page shows it."""
    frame = pd.DataFrame(
        [{name: np.nan if value is None else value for name, value in sample.items()}]
    )
    frame = frame[list(BROWSER_FEATURES)].astype(float)
    result: dict[str, Any] = {}
    for task in ("playlist_genre", "track_genre"):
        probabilities = outputs(models[task], frame)[0]
        order = np.lexsort((np.arange(len(probabilities)), -probabilities))[:TOP]
        result[task] = [(str(models[task].classes_[i]), float(probabilities[i])) for i in order]
        result[f"{task}_all"] = dict(
            zip(map(str, models[task].classes_), probabilities, strict=True)
        )
    result["popularity"] = float(outputs(models["popularity"], frame)[0, 0])
    result["popularity_contributions"] = contributions(models["popularity"], frame).iloc[0]
    top = list(models["playlist_genre"].classes_).index(result["playlist_genre"][0][0])
    result["genre_contributions"] = contributions(models["playlist_genre"], frame, top).iloc[0]
    return result


def assert_same(page: dict[str, Any], python: dict[str, Any], sample: dict[str, Any]) -> None:
    for task in ("playlist_genre", "track_genre"):
        shown = page[task]
        assert len(shown) == min(TOP, len(python[f"{task}_all"])), (task, sample)
        # Each shown probability is the model's for that genre, and the shown ones are the
        # largest (robust to two genres whose probabilities tie within rounding).
        for label, value in shown:
            assert abs(value - python[f"{task}_all"][label]) <= TOLERANCE, (task, label, sample)
        expected = [value for _, value in python[task]]
        assert np.allclose([value for _, value in shown], expected, rtol=0, atol=TOLERANCE)
    assert abs(page["popularity"] - python["popularity"]) <= TOLERANCE, sample
    for key in ("popularity_contributions", "genre_contributions"):
        expected = python[key]
        assert set(page[key]) == set(expected.index), key
        for feature, value in page[key].items():
            assert abs(value - expected[feature]) <= TOLERANCE, (key, feature, sample)


def check_parity(site: Path, warehouse: Path) -> int:
    """Compare page and scikit-learn on every sample input; returns how many were compared."""
    data = page_data(site)
    models, published = fitted_browser_models(warehouse)
    for task, model in models.items():
        assert data["models"][task] == json.loads(published[task]) == model.to_json(), task
    samples = sample_inputs(data)
    with _Browser() as browser:
        driver = browser._driver
        driver.get((site / "try.html").resolve().as_uri())
        for sample in samples:
            shown = driver.execute_script(READ_SCRIPT + DRIVE_SCRIPT, sample)
            assert shown["neighbours"] == data["neighbours"]
            assert_same(shown, python_outputs(models, sample), sample)
    return len(samples)


@pytest.mark.dbt_fixture
def test_the_page_computes_what_scikit_learn_computes(
    fixture_site: BuildResult, fixture_build: tuple[Path, Any]
) -> None:
    assert check_parity(fixture_site.output, fixture_build[0]) >= 100


@pytest.mark.dbt_fixture
def test_moving_a_slider_changes_the_predictions(fixture_site: BuildResult) -> None:
    """Genres, popularity, contributions and neighbours all follow a slider."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    with _Browser() as browser:
        driver = browser._driver
        driver.get((fixture_site.output / "try.html").resolve().as_uri())
        before = driver.execute_script(READ_SCRIPT + "return read_outputs();")
        slider = driver.find_element(By.ID, "slider-energy")
        slider.send_keys(*([Keys.ARROW_RIGHT] * 30))
        after = driver.execute_script(READ_SCRIPT + "return read_outputs();")
        energy = driver.find_element(By.ID, "input-energy").get_attribute("value")
    median = next(
        spec["median"]
        for spec in page_data(fixture_site.output)["inputs"]
        if spec["name"] == "energy"
    )
    assert float(energy) != float(median)
    assert after["popularity"] != before["popularity"]
    assert after["playlist_genre"] != before["playlist_genre"]
    assert after["popularity_contributions"] != before["popularity_contributions"]
    assert after["neighbour_ids"] != before["neighbour_ids"]


@pytest.mark.dbt_fixture
def test_the_page_passes_the_browser_check_with_both_screenshots(
    fixture_site: BuildResult, tmp_path: Path
) -> None:
    (result,) = check_site(
        fixture_site.output, ["try.html"], screenshot_pages=["try.html"], screenshot_dir=tmp_path
    )
    assert result.ok, result.problems
    for name in ("try.png", "try-track.png"):
        assert (tmp_path / name).stat().st_size > 10_000, name


@pytest.mark.real_data
def test_the_real_page_computes_what_scikit_learn_computes(
    real_site: BuildResult, real_build: tuple[Path, Path, Any]
) -> None:
    assert check_parity(real_site.output, real_build[0]) >= 100
