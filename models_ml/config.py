"""What the ML layer trains and how it evaluates: tasks, scenarios, features, settings.

Everything that decides a number in the `ml` tables is named here, so a reader can see the
whole protocol in one file and a change to it changes the run id (see `MLSettings.digest`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from typing import ClassVar, Literal, Self

TaskKind = Literal["classification", "regression"]

#: Audio features every model may use, as published in fct_track_features. duration and
#: explicit describe the recording itself, so they count as "audio" for the cold-start rule.
AUDIO_FEATURES: tuple[str, ...] = (
    "danceability",
    "energy",
    "key",
    "loudness",
    "mode",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "time_signature",
    "duration_sec",
)
#: The reference setup of the public notebooks: the audio features above, standardized.
REFERENCE_FEATURES: tuple[str, ...] = AUDIO_FEATURES
#: Our models add the explicit flag (a new track's CSV carries it too).
TRACK_FEATURES: tuple[str, ...] = (*AUDIO_FEATURES, "is_explicit")

#: Genre taxonomies whose genres feed popularity models (out-of-fold mean popularity). These
#: are the two taxonomies the genre models predict, so a new track's genres can be filled in
#: from its predicted genre probabilities (`models_ml.scoring`).
GENRE_LIST_COLUMNS: tuple[str, ...] = ("track_genres", "playlist_genres")


@dataclass(frozen=True)
class Task:
    """One prediction target.

    `target` is the training label (the primary genre, or popularity); `all_labels` the
    list column with every genre the track carries, for "any genre" accuracy.
    """

    name: str
    kind: TaskKind
    target: str
    all_labels: str | None = None
    description: str = ""


@dataclass(frozen=True)
class Scenario:
    """How tracks are grouped into folds and which features the models may read.

    catalog: folds by song (dim_tracks.song_key), so no two versions of a song straddle a
    split; the artist's and album's other tracks may inform features, out of fold.
    cold_start: folds by primary artist, so every test artist is unseen; no feature reads the
    artist's other tracks' labels. new_track: what `predict` does for a track that is not
    in the catalog at all: the cold-start folds, audio features only.
    """

    name: str
    group_column: str
    #: Features from the artist's and album's other tracks' labels (out of fold).
    artist_features: bool
    description: str = ""
    #: Models evaluated in this scenario only, beside MODEL_NAMES (`scenario_models`).
    extra_models: tuple[str, ...] = ()
    #: Models evaluated for the genre tasks of this scenario only.
    genre_extra_models: tuple[str, ...] = ()
    #: Catalog-structure features (STRUCTURE_FEATURES, genre multi-hot) for popularity.
    structure_features: bool = False
    #: Genre lists whose out-of-fold mean popularity feeds the popularity models.
    genre_popularity_columns: tuple[str, ...] = ()
    #: The scenario whose folds and fits this one shares, where its models are the same
    #: (new_track: cold_start's genre models and audio-only popularity models).
    shares_fits_with: str | None = None


TASKS: tuple[Task, ...] = (
    Task(
        "track_genre",
        "classification",
        "track_genre",
        "track_genres",
        "The track's genre among the 114 genres of the tracks file.",
    ),
    Task(
        "playlist_genre",
        "classification",
        "playlist_genre",
        "playlist_genres",
        "The track's genre among the 6 playlist genres of the playlist file.",
    ),
    Task("popularity", "regression", "popularity", None, "Spotify popularity, 0-100."),
)

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "catalog",
        "song_key",
        True,
        "A track already in the catalog (filling gaps, auditing labels). Folds grouped by "
        "song, so no version of a test song is in training; the artist's and album's other "
        "tracks, the catalog's structure and the track's other genres inform features, "
        "out of fold.",
        genre_extra_models=("audio_only",),
        structure_features=True,
        genre_popularity_columns=GENRE_LIST_COLUMNS,
    ),
    Scenario(
        "cold_start",
        "primary_artist_id",
        False,
        "A catalog track of an artist the models never saw. Folds grouped by primary "
        "artist; audio features for genres; for popularity also the catalog's structure and "
        "the track's genres, but nothing from the artist's other tracks' labels.",
        extra_models=("browser_mlp",),
        structure_features=True,
        genre_popularity_columns=GENRE_LIST_COLUMNS,
    ),
    Scenario(
        "new_track",
        "primary_artist_id",
        False,
        "A track that is not in the catalog at all, as `predict` and the try-a-track page "
        "score it: the cold-start folds, audio features (with duration and the explicit "
        "flag) only, for every task.",
        extra_models=("browser_mlp",),
        shares_fits_with="cold_start",
    ),
)

#: The catalog-structure features of the popularity models (int_tracks_labelled): how the
#: catalog lists a track, counted without reading any popularity (docs/ml.md).
STRUCTURE_FEATURES: tuple[str, ...] = (
    "genre_listing_count",
    "track_genre_count",
    "playlist_subgenre_count",
    "playlist_count",
    "song_version_count",
    "album_track_count",
    "artist_track_count",
    "album_title_artist_count",
    "album_title_track_count",
    "is_title_track",
    "song_listing_count",
    "album_listing_count",
    "artist_listing_count",
    "song_listing_share",
    "artist_count",
    "release_year",
)
#: Genre lists one-hot encoded (one column per genre) for the popularity models.
MULTI_HOT_COLUMNS: tuple[str, ...] = (*GENRE_LIST_COLUMNS, "playlist_subgenres")

#: The audio-only genre model of the catalog scenario: the best model's audio part, read
#: from the same fit (`ArtistPriorBlend.base_`), i.e. the public notebooks' setting.
AUDIO_ONLY_MODEL = "audio_only"
#: The models every task and scenario evaluates on the same folds.
MODEL_NAMES: tuple[str, ...] = ("baseline", "reference_rf", "best")
#: The small network the report site's "try a track" page runs in the browser
#: (`models_ml.browser_models`): a new track's case, so only the cold-start folds evaluate it.
BROWSER_MODEL = "browser_mlp"


def scenario_models(scenario: Scenario, task: Task | None = None) -> tuple[str, ...]:
    """The models one scenario evaluates for `task` (any task if None), in the ml tables'
    order."""
    genre_only = (
        () if task is not None and task.kind != "classification" else scenario.genre_extra_models
    )
    return (*MODEL_NAMES, *scenario.extra_models, *genre_only)


def shared_models(scenario: Scenario, task: Task) -> tuple[str, ...]:
    """The models of `task` whose folds, features and fits are those of the scenario this one
    shares fits with (`Scenario.shares_fits_with`): computed once, published under both.
    Only the new-track popularity model differs from cold start's (it reads no genres and
    no catalog structure)."""
    if scenario.shares_fits_with is None:
        return ()
    models = scenario_models(scenario, task)
    return tuple(m for m in models if not (task.kind == "regression" and m == "best"))


def _as_tuples(value: object) -> object:
    """Lists (from YAML or JSON), nested ones too, as tuples: settings are frozen."""
    return tuple(_as_tuples(item) for item in value) if isinstance(value, list) else value


class OverridableSettings:
    """Shared by the frozen settings dataclasses (MLSettings, DiscoverySettings): built from
    a dbt var's overrides, and fingerprinted for the run id."""

    #: How error messages name these settings ("ML", "discovery").
    settings_label: ClassVar[str] = "settings"

    @classmethod
    def from_overrides(cls, overrides: dict[str, object]) -> Self:
        """Defaults with some fields replaced (a dbt var); unknown keys fail, in words."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise KeyError(
                f"unknown {cls.settings_label} setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(known))}"
            )
        values = {key: _as_tuples(value) for key, value in overrides.items()}
        return cls(**values)

    def as_json(self) -> str:
        """Every setting as canonical JSON: recorded with each run, and what `digest` hashes."""
        return json.dumps(asdict(self), sort_keys=True, default=str)  # type: ignore[call-overload]

    def digest(self) -> str:
        """A stable fingerprint of the settings (part of the run id)."""
        return hashlib.sha256(self.as_json().encode()).hexdigest()[:16]


@dataclass(frozen=True)
class MLSettings(OverridableSettings):
    """Knobs of one run. Defaults are the documented protocol; tests shrink the sample sizes."""

    settings_label: ClassVar[str] = "ML"

    n_folds: int = 5
    seed: int = 20261121
    #: Inner folds for the out-of-fold features of the training rows.
    n_inner_folds: int = 5
    #: Pseudo-count that pulls an artist's or genre's mean towards the global one.
    smoothing: float = 5.0
    #: Tracks explained with SHAP per (task, scenario): a stratified sample.
    shap_sample_size: int = 500
    #: Tasks whose best model SHAP explains. Exact TreeSHAP on the 114-genre forest (deep
    #: trees, 114 outputs) costs about a second per track here, so that task relies on
    #: impurity and permutation importance instead.
    shap_tasks: tuple[str, ...] = ("playlist_genre", "popularity")
    #: Held-out tracks per fold on which permutation importance is measured.
    permutation_sample_size: int = 1000
    permutation_repeats: int = 3
    #: Grid points per feature for partial dependence, and tracks averaged over.
    pdp_grid_points: int = 20
    pdp_sample_size: int = 500
    #: Tasks x scenarios to run; default all.
    tasks: tuple[str, ...] = tuple(task.name for task in TASKS)
    scenarios: tuple[str, ...] = tuple(scenario.name for scenario in SCENARIOS)
    n_jobs: int = 2
    extra: dict[str, str] = field(default_factory=dict)


def task_by_name(name: str) -> Task:
    for task in TASKS:
        if task.name == name:
            return task
    raise KeyError(f"unknown task {name!r}; known: {', '.join(t.name for t in TASKS)}")


def scenario_by_name(name: str) -> Scenario:
    for scenario in SCENARIOS:
        if scenario.name == name:
            return scenario
    known = ", ".join(s.name for s in SCENARIOS)
    raise KeyError(f"unknown scenario {name!r}; known: {known}")


#: The dbt var that makes a build train (and rebuild discovery) although a complete run
#: of the same inputs exists: --vars '{ml_refresh: true}'.
REFRESH_VAR = "ml_refresh"
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0", ""}


def refresh_forced(var_json: str | None, full_refresh: object = False) -> bool:
    """Whether to train again although the run could be reused: the ml_refresh var (as the
    JSON the model's config holds) or dbt's --full-refresh flag."""
    if full_refresh is True or str(full_refresh).lower() == "true":
        return True
    value = json.loads(var_json) if var_json else False
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE | _FALSE:
        return text in _TRUE
    raise ValueError(f"var {REFRESH_VAR} must be true or false, not {value!r}")
