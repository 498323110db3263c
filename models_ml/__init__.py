"""Machine-learning layer of spotify-warehouse.

Genre classification and popularity regression trained on the marts, evaluated with grouped
cross-validation (no track, or in the cold-start scenario no artist, on both sides of a
split), and scoring of new tracks. `dbt build` runs the training through the Python model
int_ml_models_trained and publishes the results as ml.* tables; `python -m models_ml
predict FILE.csv` scores a file with the saved models.

Modules: config (the protocol), splits, encoding (out-of-fold statistics), features,
estimators, evaluation, metrics, explain, training (one run), scoring, artifacts (run
folders in the models folder and their reuse), progress (progress lines), warehouse
(read-only access for every Python reader); and the build's tooling: raw_csv (the raw-file
reader), refresh (the atomic refresh), stage_times (the time per stage `make` prints).
"""

__version__ = "0.2.0"
