"""Models a web page can run: small neural networks on a new track's own features.

The report site's "try a track" page (reports/templates/try.html) predicts a track's genres
and popularity in the reader's browser, offline, from sliders. It cannot run the project's
best models (forests of deep trees, tens of megabytes), so it gets models whose whole
prediction is a few lines of JavaScript: fill a missing value with the training median,
standardize, then dense layers with ReLU and a softmax (genres) or a linear output
(popularity, de-standardized). `BrowserMLP` fits exactly that with scikit-learn's
`MLPClassifier` / `MLPRegressor` and rounds every parameter to `SIGNIFICANT_DIGITS`, so the
JSON the page reads (`to_json`) holds the model exactly: Python (scikit-learn's forward pass)
and the browser compute the same numbers, which a browser test checks to 1e-6.

They answer the new-track question (audio features only; the artist, the genres and the
playlists are unknown), so training evaluates them on the cold-start folds, grouped by
primary artist, as the model `browser_mlp` beside the baseline, the reference RF and the
best model (`ml.model_metrics`). Their layer sizes were chosen on an inner validation split
(fold 0's training tracks, split again by artist), never on the reported folds; docs/ml.md
("Browser models") has the comparison.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.neural_network import MLPClassifier, MLPRegressor

from models_ml.config import BROWSER_MODEL, TRACK_FEATURES, Task

__all__ = ["BROWSER_MODEL", "BrowserMLP", "make_browser_model"]
#: What a new track's CSV (and the page's inputs) carry: the audio features and explicit.
BROWSER_FEATURES: tuple[str, ...] = TRACK_FEATURES
#: Every exported number keeps this many significant digits: the JSON stays small (about
#: ten characters a weight) and is the model exactly, since the fitted model is rounded too.
SIGNIFICANT_DIGITS = 7


@dataclass(frozen=True)
class Architecture:
    hidden_layer_sizes: tuple[int, ...]
    alpha: float


#: Per task, chosen on the inner validation split (docs/ml.md, "Browser models"). Wider
#: layers scored within 0.005 of these on the genres and would triple the 114-genre JSON.
#: Every model trains on mini-batches of 500 tracks (`BrowserMLP.batch_size`): on that
#: split the 114-genre network fitted in half the time of batches of 200, at the same
#: accuracy (0.212 against 0.213).
ARCHITECTURES: dict[str, Architecture] = {
    "track_genre": Architecture((128, 64), 1e-3),
    "playlist_genre": Architecture((128, 64), 1e-3),
    "popularity": Architecture((64,), 1e-4),
}


def rounded(values: np.ndarray, digits: int = SIGNIFICANT_DIGITS) -> np.ndarray:
    """Each value rounded to `digits` significant digits, as the JSON will print it.

    Formatting with `%.{digits}g` and parsing back gives the double that JavaScript's
    `JSON.parse` gives for the same text, so the model and its JSON agree exactly.
    """
    array = np.asarray(values, dtype=float)
    text = np.char.mod(f"%.{digits}g", array)
    return text.astype(float).reshape(array.shape)


class BrowserMLP(BaseEstimator):
    """Median fill, standardization and a small MLP, with every parameter rounded.

    kind: "classification" (softmax over the classes; `predict_proba`) or "regression"
    (the target standardized for training and scaled back in `predict`).
    """

    def __init__(
        self,
        kind: Literal["classification", "regression"] = "classification",
        hidden_layer_sizes: tuple[int, ...] = (64,),
        alpha: float = 1e-4,
        max_iter: int = 300,
        batch_size: int = 500,
        random_state: int = 0,
    ) -> None:
        self.kind = kind
        self.hidden_layer_sizes = hidden_layer_sizes
        self.alpha = alpha
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.random_state = random_state

    def fit(self, X: pd.DataFrame | np.ndarray, y: np.ndarray) -> BrowserMLP:
        values = self._values(X, fitting=True)
        medians = np.nanmedian(np.where(np.isnan(values).all(axis=0), 0.0, values), axis=0)
        self.medians_ = rounded(medians)
        filled = np.where(np.isnan(values), self.medians_, values)
        self.mean_ = rounded(filled.mean(axis=0))
        scale = filled.std(axis=0)
        self.scale_ = rounded(np.where(scale > 0, scale, 1.0))
        standardized = (filled - self.mean_) / self.scale_
        settings = {
            "hidden_layer_sizes": tuple(self.hidden_layer_sizes),
            "alpha": self.alpha,
            "max_iter": self.max_iter,
            # A batch cannot hold more tracks than there are (a small fixture).
            "batch_size": min(self.batch_size, len(values)),
            "early_stopping": True,
            "random_state": self.random_state,
        }
        # Trained in single precision (scikit-learn keeps float32 through the fit): about a
        # third faster, and the parameters are rounded to 7 digits below anyway. The rounded
        # parameters are doubles, so predictions, here and in the page, are in double.
        inputs = standardized.astype(np.float32)
        if self.kind == "classification":
            network: MLPClassifier | MLPRegressor = MLPClassifier(**settings)
            network.fit(inputs, np.asarray(y))
            self.classes_ = network.classes_
        else:
            target = np.asarray(y, dtype=float)
            self.target_mean_ = float(rounded(target.mean()))
            self.target_scale_ = float(rounded(target.std() or 1.0))
            network = MLPRegressor(**settings)
            scaled = (target - self.target_mean_) / self.target_scale_
            network.fit(inputs, scaled.astype(np.float32))
        network.coefs_ = [rounded(layer) for layer in network.coefs_]
        network.intercepts_ = [rounded(layer) for layer in network.intercepts_]
        self.network_ = network
        return self

    def _values(self, X: pd.DataFrame | np.ndarray, fitting: bool = False) -> np.ndarray:
        if isinstance(X, pd.DataFrame):
            if fitting:
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                X = X[list(self.feature_names_in_)]
        return np.asarray(X, dtype=float)

    def standardized(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        values = self._values(X)
        return (np.where(np.isnan(values), self.medians_, values) - self.mean_) / self.scale_

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        return self.network_.predict_proba(self.standardized(X))

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        if self.kind == "classification":
            return self.classes_[self.predict_proba(X).argmax(axis=1)]
        return self.network_.predict(self.standardized(X)) * self.target_scale_ + self.target_mean_

    def to_json(self) -> dict[str, Any]:
        """Everything the page's JavaScript needs, exactly as fitted (see `rounded`)."""
        network = self.network_
        model: dict[str, Any] = {
            "kind": self.kind,
            "features": [str(name) for name in self.feature_names_in_],
            "medians": self.medians_.tolist(),
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            # Weights as rows of the output units: layer j's unit k reads weights[k].
            "layers": [
                {"weights": weights.T.tolist(), "bias": bias.tolist()}
                for weights, bias in zip(network.coefs_, network.intercepts_, strict=True)
            ],
            "hidden_activation": network.activation,
            "output_activation": network.out_activation_,
        }
        if self.kind == "classification":
            model["classes"] = [str(label) for label in self.classes_]
        else:
            model["target_mean"] = self.target_mean_
            model["target_scale"] = self.target_scale_
        return model


def make_browser_model(task: Task, seed: int) -> BrowserMLP:
    architecture = ARCHITECTURES[task.name]
    return BrowserMLP(
        task.kind,
        architecture.hidden_layer_sizes,
        architecture.alpha,
        random_state=seed,
    )


def outputs(model: BrowserMLP, features: pd.DataFrame) -> np.ndarray:
    """What the page shows for each row: class probabilities, or the predicted popularity
    (clipped to 0-100, as the scoring path clips it) as one column."""
    if model.kind == "classification":
        return model.predict_proba(features)
    return np.clip(model.predict(features), 0.0, 100.0)[:, None]


def contributions(model: BrowserMLP, features: pd.DataFrame, column: int = 0) -> pd.DataFrame:
    """What moved each row's prediction, per feature: the output (column `column` of
    `outputs`) minus the output with that feature set to the training median.

    A positive value means the track's value of the feature raised the prediction above what
    a median value would give, the others held. The page shows these for popularity and for
    the top playlist genre.
    """
    base = outputs(model, features)[:, column]
    moved = {}
    for position, name in enumerate(model.feature_names_in_):
        typical = features.copy()
        typical[name] = model.medians_[position]
        moved[str(name)] = base - outputs(model, typical)[:, column]
    return pd.DataFrame(moved, index=features.index)


def browser_models_table(models: dict[str, BrowserMLP], run_id: str, seed: int) -> pd.DataFrame:
    """ml.browser_models' rows: one per task, the model as JSON text."""
    rows = []
    for task_name, model in models.items():
        text = json.dumps(model.to_json(), separators=(",", ":"))
        rows.append(
            {
                "run_id": run_id,
                "task": task_name,
                "model": BROWSER_MODEL,
                "hidden_layer_sizes": list(model.hidden_layer_sizes),
                "alpha": model.alpha,
                "seed": seed,
                "training_iterations": int(model.network_.n_iter_),
                "parameters_json": text,
                "json_bytes": len(text.encode()),
            }
        )
    return pd.DataFrame(rows)
