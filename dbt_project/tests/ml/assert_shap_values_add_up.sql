{#- SHAP's local accuracy, checked against the stored predictions: for each explained
    held-out track, base value plus the sum of its SHAP values equals the popularity the
    fold's model predicted for it. (Genre models are explained on their probability or
    log-odds scale, which the predictions table does not store.) -#}
with

explained as (
    select run_id, scenario, model, track_id,
        max(base_value) + sum(shap_value) as reconstructed
    from {{ ref('shap_values') }}
    where task = 'popularity'
    group by run_id, scenario, model, track_id
)

select explained.*, predictions.predicted_popularity
from explained
inner join {{ ref('popularity_predictions') }} as predictions
    on explained.run_id = predictions.run_id
    and explained.scenario = predictions.scenario
    and explained.model = predictions.model
    and explained.track_id = predictions.track_id
where abs(explained.reconstructed - predictions.predicted_popularity) > 1e-3
