{#-
    The ML layer's training run (the Python model int_ml_models_trained) and the discovery
    run (int_discovery_built) keep their long tables as Parquet files in a folder per run id
    (<models dir>/ml/<run id>/, <models dir>/discovery/<run id>/; models_ml/artifacts.py).
    The producing model's one row names the folder of this build's run, trained now or
    reused; the ml.* models read their table from there and keep that run's rows only.

    models folder: dbt var models_dir, else the environment variable SPOTIFY_MODELS_DIR,
    else data/models (relative to the repository root, where dbt runs).
-#}
{% macro ml_models_dir() -%}
    {{- var('models_dir', env_var('SPOTIFY_MODELS_DIR', 'data/models')) -}}
{%- endmacro %}


{#- The run folder the producing model's row names. Read when the model runs (its producer
    has run by then); at parse time, and when the producer was never built (`dbt compile`
    on an empty warehouse), a placeholder path that names the problem. -#}
{% macro run_folder(producer) -%}
    {%- set relation = ref(producer) -%}
    {%- if execute and load_relation(relation) is not none -%}
        {%- set folders = run_query("select run_folder from " ~ relation).columns[0].values() -%}
        {%- if folders | length != 1 -%}
            {{ exceptions.raise_compiler_error(relation ~ " must hold one run, not " ~ (folders | length)) }}
        {%- endif -%}
        {{- folders[0] -}}
    {%- else -%}
        {{- ml_models_dir() ~ "/" ~ producer ~ "-not-built-yet" -}}
    {%- endif -%}
{%- endmacro %}


{% macro run_table(producer, name) -%}
    (
        select * from read_parquet('{{ run_folder(producer) | replace("'", "''") }}/{{ name }}.parquet')
        where run_id in (select run_id from {{ ref(producer) }})
    )
{%- endmacro %}


{#- Rows of an evaluation table of this build's training run. -#}
{% macro ml_current_run(name) -%}
    {{ run_table('int_ml_models_trained', name) }}
{%- endmacro %}


{#- Rows of a discovery table (clusters, similar tracks, recommender evaluation) of this
    build's discovery run. -#}
{% macro discovery_current_run(name) -%}
    {{ run_table('int_discovery_built', name) }}
{%- endmacro %}
