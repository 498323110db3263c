"""Unit tests of the evaluation protocol: folds, out-of-fold features, metrics, the blend."""

from __future__ import annotations

import threading
from functools import partial

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.metrics import accuracy_score, r2_score, roc_auc_score
from threadpoolctl import threadpool_limits

from models_ml import explain
from models_ml.config import (
    AUDIO_FEATURES,
    AUDIO_ONLY_MODEL,
    BROWSER_MODEL,
    STRUCTURE_FEATURES,
    TASKS,
    TRACK_FEATURES,
    MLSettings,
    scenario_by_name,
    scenario_models,
    shared_models,
    task_by_name,
)
from models_ml.encoding import _long_keys, _subset, out_of_fold_means
from models_ml.estimators import (
    POPULARITY_SETTINGS,
    ArtistPriorBlend,
    LightGBMRegressor,
    describe,
    make_best,
    single_threaded,
    with_n_jobs,
)
from models_ml.evaluation import (
    EvaluationResult,
    fitted_models,
    merge_results,
    shared_result,
)
from models_ml.explain import stratified_sample
from models_ml.features import (
    fold_matrices,
    genre_multi_hot,
    structure_matrix,
)
from models_ml.metrics import label_ranks, macro_ovr_auc, top_k
from models_ml.parallel import dearest_first, run_in_threads
from models_ml.splits import assign_folds, check_grouping, fold_indices
from models_ml.training import scenario_folds

pytestmark = pytest.mark.unit


def artist_groups(n_rows: int = 600, n_artists: int = 97, seed: int = 0) -> pd.Series:
    rng = np.random.default_rng(seed)
    # Uneven group sizes, like real artists: a few large, many small.
    weights = rng.pareto(1.5, n_artists) + 1
    return pd.Series(
        rng.choice([f"artist{i}" for i in range(n_artists)], n_rows, p=weights / weights.sum())
    )


def test_no_group_spans_two_folds() -> None:
    groups = artist_groups()
    folds = assign_folds(groups, 5, seed=1)
    per_group = pd.Series(folds).groupby(groups.to_numpy()).nunique()
    assert per_group.max() == 1
    check_grouping(groups, folds)  # does not raise


def test_train_and_test_never_share_a_group() -> None:
    groups = artist_groups()
    folds = assign_folds(groups, 5, seed=1)
    splits = list(fold_indices(folds))
    assert len(splits) == 5
    for _, train, test in splits:
        assert set(groups.iloc[train]).isdisjoint(set(groups.iloc[test]))
        assert len(train) + len(test) == len(groups)


def test_check_grouping_catches_a_leak() -> None:
    groups = pd.Series(["a", "a", "b", "b", "c"])
    with pytest.raises(AssertionError, match="span several folds"):
        check_grouping(groups, np.array([0, 1, 1, 1, 2]))


def test_folds_are_balanced_deterministic_and_order_free() -> None:
    groups = artist_groups(n_rows=2000, n_artists=400)
    folds = assign_folds(groups, 5, seed=7)
    sizes = np.bincount(folds)
    assert sizes.max() - sizes.min() <= groups.value_counts().max()
    assert np.array_equal(folds, assign_folds(groups, 5, seed=7))
    shuffled = groups.sample(frac=1, random_state=3)
    refolded = pd.Series(assign_folds(shuffled, 5, seed=7), index=shuffled.index)
    assert np.array_equal(refolded.sort_index().to_numpy(), folds)
    assert not np.array_equal(folds, assign_folds(groups, 5, seed=8))


def test_fold_assignment_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="no group"):
        assign_folds(pd.Series(["a", None, "b"]), 2, seed=0)
    with pytest.raises(ValueError, match="cannot fill"):
        assign_folds(pd.Series(["a", "a", "b"]), 5, seed=0)


def test_out_of_fold_means_never_read_a_rows_own_label() -> None:
    """Changing one row's label must not change that row's own feature, train or test."""
    rng = np.random.default_rng(0)
    n = 300
    keys = pd.Series(rng.choice(list("abcdefgh"), n))
    groups = pd.Series([f"track{i}" for i in range(n)])
    target = pd.DataFrame({"y": rng.normal(50, 10, n)})
    folds = assign_folds(groups, 5, seed=0)
    train, test = np.flatnonzero(folds != 0), np.flatnonzero(folds == 0)

    def features(values: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        (train_means, _), (test_means, _) = out_of_fold_means(
            keys, values, train, test, groups, smoothing=2.0, n_inner_folds=5, seed=3
        )
        return train_means["y"].to_numpy(dtype=float), test_means["y"].to_numpy(dtype=float)

    base_train, base_test = features(target)
    for position in (train[0], train[17], test[4]):
        changed = target.copy()
        changed.loc[position, "y"] = 1e6
        new_train, new_test = features(changed)
        if position in set(train):
            own = int(np.flatnonzero(train == position)[0])
            assert new_train[own] == pytest.approx(base_train[own])
            # ... while rows sharing its key in other inner folds do see it.
            assert not np.allclose(new_train, base_train)
        else:
            own = int(np.flatnonzero(test == position)[0])
            assert new_test[own] == pytest.approx(base_test[own])
            # A test label never reaches any feature.
            assert np.allclose(new_train, base_train) and np.allclose(new_test, base_test)


def catalog_frame(n: int, seed: int = 0) -> pd.DataFrame:
    """A modelling frame of n tracks with every column int_tracks_labelled provides: songs of
    one to three versions, a few artists, albums and genres; random popularity."""
    rng = np.random.default_rng(seed)
    songs = np.repeat(np.arange(n), rng.integers(1, 4, n))[:n]
    genres = ["pop", "rock", "jazz"]
    return pd.DataFrame(
        {
            "track_id": [f"t{i:03d}" for i in range(n)],
            "song_key": [f"s{song}" for song in songs],
            "primary_artist_id": [f"a{song % 7}" for song in songs],
            "album_id": None,
            "album_key": [f"al{i % 11}" for i in range(n)],
            "album_title": [f"title{i % 5}" for i in range(n)],
            "popularity": rng.integers(0, 100, n).astype(float),
            "track_genre": [genres[i % 3] for i in range(n)],
            "track_genres": [[genres[i % 3]] for i in range(n)],
            "playlist_genre": None,
            "playlist_genres": [[] if i % 2 else ["edm"] for i in range(n)],
            "playlist_subgenres": [[] if i % 2 else ["big room"] for i in range(n)],
            # The track's own features play no part in these tests: any values do.
            **{name: np.linspace(0, 1, n) for name in AUDIO_FEATURES},
            "is_explicit": [False] * n,
            **{name: rng.integers(0, 5, n).astype(float) for name in STRUCTURE_FEATURES},
        }
    )


def test_catalog_folds_keep_every_version_of_a_song_together() -> None:
    """Catalog folds group by song_key: no song's versions straddle a split (issue 16)."""
    tracks = catalog_frame(300)
    assert scenario_by_name("catalog").group_column == "song_key"
    folds = scenario_folds(tracks, MLSettings())
    catalog = folds[folds["scenario"] == "catalog"].merge(tracks, on="track_id")
    assert catalog.groupby("song_key")["fold"].nunique().max() == 1
    assert (catalog.groupby("song_key").size() > 1).any(), "the frame must have versions"
    # The new-track scenario shares the cold-start folds (and so their fits).
    by_scenario = folds.pivot(index="track_id", columns="scenario", values="fold")
    assert (by_scenario["new_track"] == by_scenario["cold_start"]).all()


def test_structure_features_read_no_popularity() -> None:
    """Catalog structure and the genre one-hot are the same whatever the popularity."""
    tracks = catalog_frame(60)
    shuffled = tracks.assign(
        popularity=tracks["popularity"].sample(frac=1, random_state=1).to_numpy()
    )
    pd.testing.assert_frame_equal(structure_matrix(tracks), structure_matrix(shuffled))
    one_hot = genre_multi_hot(tracks)
    assert list(one_hot.columns[:3]) == ["track_genre:jazz", "track_genre:pop", "track_genre:rock"]
    assert one_hot["playlist_genre:edm"].tolist() == [float(i % 2 == 0) for i in range(60)]


def test_genre_tasks_never_read_structure_features() -> None:
    tracks = catalog_frame(60)
    train, test = np.arange(10, 60), np.arange(10)
    for scenario in ("catalog", "cold_start"):
        x_train, _ = fold_matrices(
            tracks,
            task_by_name("track_genre"),
            scenario_by_name(scenario),
            train,
            test,
            MLSettings(),
            0,
        )
        assert not set(x_train.columns) & set(STRUCTURE_FEATURES)
        assert not any(":" in column for column in x_train.columns)


def test_new_track_matrices_hold_what_a_new_tracks_file_carries() -> None:
    """The new-track scenario evaluates exactly what `predict` reads: the track's own
    features, for every task, and nothing the catalog or other tracks' labels would add."""
    tracks = catalog_frame(60)
    train, test = np.arange(20, 60), np.arange(20)
    for task in TASKS:
        x_train, x_test = fold_matrices(
            tracks, task, scenario_by_name("new_track"), train, test, MLSettings(), 0
        )
        assert list(x_train.columns) == list(x_test.columns) == list(TRACK_FEATURES), task.name


def test_shared_models_are_published_under_both_scenarios_and_fitted_once() -> None:
    popularity, genres = task_by_name("popularity"), task_by_name("track_genre")
    new_track, cold = scenario_by_name("new_track"), scenario_by_name("cold_start")
    assert fitted_models(new_track, genres) == ()
    assert fitted_models(new_track, popularity) == ("best",)
    assert set(shared_models(new_track, popularity)) == {"baseline", "reference_rf", BROWSER_MODEL}
    assert scenario_models(scenario_by_name("catalog"), genres)[-1] == AUDIO_ONLY_MODEL
    assert AUDIO_ONLY_MODEL not in scenario_models(scenario_by_name("catalog"), popularity)
    assert AUDIO_ONLY_MODEL not in fitted_models(scenario_by_name("catalog"), genres)
    rows = pd.DataFrame({"model": ["baseline", "best", BROWSER_MODEL], "value": [1, 2, 3]})
    source = EvaluationResult(popularity, cold, rows, rows, rows, rows, rows, rows)
    shared = shared_result(source, new_track, shared_models(new_track, popularity))
    assert shared.scenario is new_track and shared.predictions["model"].tolist() == [
        "baseline",
        BROWSER_MODEL,
    ]
    own_rows = pd.DataFrame({"model": ["best"], "value": [9]})
    own = EvaluationResult(popularity, new_track, *[own_rows] * 6, seconds=2.0)
    merged = merge_results(shared, own)
    assert merged.predictions["model"].tolist() == ["baseline", "best", BROWSER_MODEL]
    assert merged.seconds == 2.0


def test_catalog_features_of_a_test_track_come_from_other_tracks_only() -> None:
    """Artist mean popularity for a test track is built from training tracks of the artist."""
    tracks = catalog_frame(40).assign(
        primary_artist_id=["solo"] + ["crowd"] * 39,
        popularity=[100.0] + [10.0] * 39,
    )
    settings = MLSettings(smoothing=0.0)
    test = np.array([0])
    train = np.arange(1, 40)
    _, x_test = fold_matrices(
        tracks, task_by_name("popularity"), scenario_by_name("catalog"), train, test, settings, 0
    )
    # The only "solo" track is the test track: no other track of the artist, so the feature
    # falls back to the training prior (10) and the count is 0, never its own 100.
    assert x_test.loc[0, "artist_mean_popularity"] == pytest.approx(10.0)
    assert x_test.loc[0, "artist_other_tracks"] == 0


def test_sql_free_metrics_match_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    classes = np.array(["a", "b", "c", "d"])
    y = rng.choice(classes, 200)
    probabilities = rng.dirichlet(np.ones(4), 200)
    expected = roc_auc_score(y, probabilities, multi_class="ovr", average="macro", labels=classes)
    assert macro_ovr_auc(y, probabilities, classes) == pytest.approx(expected)

    ranks = label_ranks(y, probabilities, classes)
    labels, label_probabilities = top_k(probabilities, classes, 2)
    in_top2 = np.array([y[i] in labels[i] for i in range(len(y))])
    assert np.array_equal(ranks <= 2, in_top2)
    assert np.array_equal(ranks == 1, labels[:, 0] == y)
    assert np.all(np.diff(label_probabilities, axis=1) <= 0)


def test_constant_scores_have_auc_one_half() -> None:
    y = np.array(["a", "b", "a", "c"])
    flat = np.tile([0.5, 0.25, 0.25], (4, 1))
    assert macro_ovr_auc(y, flat, np.array(["a", "b", "c"])) == pytest.approx(0.5)


def test_artist_prior_blend_uses_training_artists_only() -> None:
    X = pd.DataFrame(
        {"x": np.zeros(8), "primary_artist_id": ["p", "p", "p", "q", "q", "q", "r", "r"]}
    )
    y = np.array(["rock", "rock", "rock", "jazz", "jazz", "jazz", "rock", "jazz"])
    blend = ArtistPriorBlend(DummyClassifier(strategy="prior"), weight=1.0, smoothing=1.0)
    blend.fit(X, y)
    probe = pd.DataFrame({"x": [0.0, 0.0, 0.0], "primary_artist_id": ["p", "q", "unseen"]})
    probabilities = blend.predict_proba(probe)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert list(blend.predict(probe)[:2]) == ["rock", "jazz"]
    # An artist never seen in training gets the class shares: the audio model decides.
    assert probabilities[2] == pytest.approx([0.5, 0.5])


def test_stratified_sample_covers_every_stratum() -> None:
    strata = pd.Series(["big"] * 900 + ["small"] * 90 + ["tiny"] * 10)
    sample = stratified_sample(strata, 100, seed=0)
    assert len(sample) <= 100
    assert set(strata.iloc[sample]) == {"big", "small", "tiny"}
    assert len(set(sample)) == len(sample)


def _forest_data(rows: int = 5_000) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    features = pd.DataFrame(rng.normal(size=(rows, 4)), columns=["a", "b", "c", "d"])
    labels = np.where(features["a"] + rng.normal(scale=0.5, size=rows) > 0, "x", "y")
    values = features["b"].to_numpy() * 3 + rng.normal(size=rows)
    return features, labels, values


def test_row_parallel_prediction_is_bit_for_bit_one_call() -> None:
    features, labels, values = _forest_data()
    classifier = single_threaded(
        RandomForestClassifier(n_estimators=20, random_state=0, n_jobs=2).fit(features, labels)
    )
    regressor = single_threaded(
        RandomForestRegressor(n_estimators=20, random_state=0, n_jobs=2).fit(features, values)
    )
    assert len(features) >= explain.PARALLEL_MIN_ROWS
    together = classifier.predict_proba(features)
    split = explain.predict_rows(classifier, features, "predict_proba", n_jobs=3)
    assert np.array_equal(together, split)
    assert np.array_equal(
        regressor.predict(features), explain.predict_rows(regressor, features, n_jobs=2)
    )


def test_batched_permutation_importance_equals_one_prediction_per_shuffle() -> None:
    features, labels, _ = _forest_data(1_500)
    model = single_threaded(
        RandomForestClassifier(n_estimators=10, random_state=0).fit(features, labels)
    )
    batched = explain.permutation_importance(
        features, labels, model.predict, accuracy_score, n_repeats=3, seed=11
    )
    # The definition, one model call per shuffled copy, drawing shuffles in the same order.
    rng = np.random.default_rng(11)
    reference = accuracy_score(labels, model.predict(features))
    expected = {}
    for column in features.columns:
        drops = []
        for _ in range(3):
            shuffled = features.copy()
            shuffled[column] = features[column].to_numpy()[rng.permutation(len(features))]
            drops.append(reference - accuracy_score(labels, model.predict(shuffled)))
        expected[column] = float(np.mean(drops))
    assert batched.to_dict() == expected
    assert batched["a"] > 0.3 > batched["d"]


def test_a_one_hot_block_is_shuffled_as_one_feature() -> None:
    rng = np.random.default_rng(5)
    rows = 2_000
    genre = rng.integers(0, 3, size=rows)
    features = pd.DataFrame(
        {
            "tempo": rng.normal(size=rows),
            **{f"track_genre:g{code}": (genre == code).astype(float) for code in range(3)},
        }
    )
    values = 10.0 * (genre == 2) + 0.1 * features["tempo"].to_numpy()
    model = RandomForestRegressor(n_estimators=10, random_state=0).fit(features, values)
    seen: list[pd.DataFrame] = []

    def predict(frame: pd.DataFrame) -> np.ndarray:
        seen.append(frame)
        return model.predict(frame)

    importance = explain.permutation_importance(
        features, values, predict, r2_score, n_repeats=2, seed=3
    )
    assert list(importance.index) == ["tempo", "track_genre:*"]
    assert importance["track_genre:*"] > 1.0 > 0.1 > importance["tempo"]
    # Shuffled together: every row of every shuffled copy still has exactly one genre.
    one_hot = seen[0][[f"track_genre:g{code}" for code in range(3)]].to_numpy()
    assert np.array_equal(one_hot.sum(axis=1), np.ones(len(one_hot)))
    assert explain.permutation_groups(["tempo", "track_genre:a", "primary_artist_id"]) == {
        "tempo": ["tempo"],
        "track_genre:*": ["track_genre:a"],
        explain.ARTIST_PRIOR_FEATURE: ["primary_artist_id"],
    }


def test_a_subset_of_exploded_keys_is_the_exploded_subset() -> None:
    keys = pd.Series([["a", "b"], [], None, ["c"], ["a"], ["b", "b"], []], dtype=object)
    positions = np.array([0, 2, 3, 5, 6])
    expected = _long_keys(keys.iloc[positions])
    subset = _subset(_long_keys(keys), positions)
    assert list(subset.index) == list(expected.index)
    assert list(subset) == list(expected)


def test_the_thread_count_of_a_fit_changes_no_model() -> None:
    """Training fits forests with one thread per fold and gradient boosting with one OpenMP
    thread (models_ml/parallel.py): the models must be those of any other thread count."""
    features, labels, values = _forest_data(2_500)
    # Predictions with one thread each (`single_threaded`): a forest predicting on two
    # threads adds its trees in the order they finish.
    forests = [
        single_threaded(
            with_n_jobs(RandomForestRegressor(n_estimators=8, random_state=0), n_jobs).fit(
                features, values
            )
        )
        for n_jobs in (1, 2)
    ]
    assert np.array_equal(forests[0].predict(features), forests[1].predict(features))
    boosted = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="openmp"):
            # Few rounds: every round meets OpenMP barriers, and with two threads on a busy
            # 2-core machine (CI runs the real-data build beside this) each barrier can wait
            # for a core; 30 rounds took 84 s there against 0.4 s idle.
            model = HistGradientBoostingClassifier(max_iter=5, random_state=0)
            boosted.append(model.fit(features, labels).predict_proba(features))
    assert np.array_equal(boosted[0], boosted[1])


def test_the_popularity_boosting_reads_genre_columns_and_is_explained_exactly() -> None:
    """LightGBM refuses `:` in a column name; the wrapper fits on the values, keeps the names
    (so column order at predict time does not matter) and hands SHAP the LightGBM model,
    whose values must add up to the wrapper's own predictions."""
    rng = np.random.default_rng(3)
    rows = 1_500
    genre = rng.integers(0, 2, size=rows)
    features = pd.DataFrame(
        {
            "tempo": rng.normal(size=rows),
            "track_genre:a": (genre == 0).astype(float),
            "track_genre:b": (genre == 1).astype(float),
        }
    )
    values = 20.0 * genre + 5.0 * features["tempo"].to_numpy() + rng.normal(size=rows)
    model = LightGBMRegressor(n_estimators=30, num_leaves=7, random_state=0).fit(features, values)
    predicted = model.predict(features)
    assert np.array_equal(predicted, model.predict(features[features.columns[::-1]]))
    assert r2_score(values, predicted) > 0.9
    explained = explain.shap_values(model, features.iloc[:40], None)
    assert set(explained["feature"]) == set(features.columns)
    totals = (
        explained.groupby("row")["shap_value"].sum()
        + explained.groupby("row")["base_value"].first()
    )
    assert np.allclose(totals.to_numpy(), predicted[:40], atol=1e-6)
    assert describe(model)["estimator"] == "LightGBMRegressor"
    # Every scenario's best popularity model is this one, with its chosen rounds and leaves.
    for scenario in ("catalog", "cold_start", "new_track"):
        best = make_best(task_by_name("popularity"), scenario_by_name(scenario), 0, 2)
        rounds, leaves = POPULARITY_SETTINGS[scenario]
        assert isinstance(best, LightGBMRegressor)
        assert (best.n_estimators, best.num_leaves) == (rounds, leaves)


def test_with_n_jobs_reaches_nested_models() -> None:
    task, scenario = task_by_name("track_genre"), scenario_by_name("catalog")
    model = with_n_jobs(make_best(task, scenario, seed=0, n_jobs=2), 1)
    n_jobs = {
        name: value
        for name, value in model.get_params(deep=True).items()
        if name.endswith("n_jobs")
    }
    assert n_jobs and set(n_jobs.values()) == {1}, n_jobs


def test_run_in_threads_starts_in_the_given_order_and_returns_in_call_order() -> None:
    started: list[int] = []
    lock = threading.Lock()

    def call(number: int) -> int:
        with lock:
            started.append(number)
        return number * 10

    results = run_in_threads(
        [partial(call, n) for n in range(6)], 1, dearest_first([1, 5, 2, 9, 0, 3])
    )
    assert results == [0, 10, 20, 30, 40, 50]
    assert started == [3, 1, 5, 2, 0, 4]
    assert run_in_threads([partial(call, n) for n in range(6)], 2) == results


def test_run_in_threads_raises_the_first_error_and_starts_nothing_after_it() -> None:
    ran: list[int] = []

    def call(number: int) -> int:
        ran.append(number)
        if number == 1:
            raise ValueError("fold 1 failed")
        return number

    with pytest.raises(ValueError, match="fold 1 failed"):
        run_in_threads([partial(call, n) for n in range(50)], 1)
    assert ran[:2] == [0, 1] and len(ran) < 50
