{#-
    dbt's config dictionary of a Python model (global macro build_config_dict), plus
    `full_refresh`: whether this invocation runs with --full-refresh (or the model's
    full_refresh config). The training models (int_ml_models_trained, int_discovery_built)
    read it to retrain although a complete run of the same inputs exists; the ml_refresh
    var does the same. Rendered when the model runs, so the flag is this invocation's.
-#}
{% macro build_config_dict(model) %}
{{ dbt.build_config_dict(model) }}
config_dict["full_refresh"] = {{ should_full_refresh() }}
{%- endmacro %}
