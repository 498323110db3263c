{#-
    The ML layer's training run (the Python model int_ml_models_trained) leaves its long
    tables as Parquet files in the models folder; the ml.* models read them through this
    macro and keep only the current run's rows.

    models folder: dbt var models_dir, else the environment variable SPOTIFY_MODELS_DIR,
    else data/models (relative to the repository root, where dbt runs).
-#}
{% macro ml_models_dir() -%}
    {{- var('models_dir', env_var('SPOTIFY_MODELS_DIR', 'data/models')) -}}
{%- endmacro %}


{% macro ml_evaluation_table(name) -%}
    read_parquet('{{ ml_models_dir() | replace("'", "''") }}/evaluation/{{ name }}.parquet')
{%- endmacro %}


{#- Rows of an evaluation table that belong to this build's training run. -#}
{% macro ml_current_run(name) -%}
    (
        select * from {{ ml_evaluation_table(name) }}
        where run_id in (select run_id from {{ ref('int_ml_models_trained') }})
    )
{%- endmacro %}


{#- Rows of a discovery table (clusters, similar tracks, recommender evaluation) written by
    this build's discovery run (the Python model int_discovery_built). -#}
{% macro discovery_current_run(name) -%}
    (
        select * from read_parquet('{{ ml_models_dir() | replace("'", "''") }}/discovery/{{ name }}.parquet')
        where run_id in (select run_id from {{ ref('int_discovery_built') }})
    )
{%- endmacro %}
