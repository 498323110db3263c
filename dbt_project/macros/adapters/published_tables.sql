{#-
    Register Parquet folders written outside Spark as external tables <schema>.<name>, e.g.
    the ml tables the DuckDB side trained from Spark-built marts:

        dbt run-operation register_published_tables --target spark \
            --args '{schema: ml, tables: {model_metrics: /abs/path/published/ml/model_metrics}}'

    `python -m spotify_warehouse.spark publish` writes the folders and calls this. A table of
    the same name is replaced; the tables are EXTERNAL, so dropping one later leaves its files.
-#}
{% macro register_published_tables(schema, tables) %}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error("register_published_tables registers Parquet folders on Spark; run it with --target spark (this target is " ~ target.type ~ ")") }}
    {%- endif -%}
    {%- do run_query('create database if not exists ' ~ schema) -%}
    {%- for name, path in tables.items() -%}
        {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ name) -%}
        {%- do run_query("create table " ~ schema ~ "." ~ name ~ " using parquet location '" ~ spark_string(path) ~ "'") -%}
        {%- set rows = run_query("select count(*) from " ~ schema ~ "." ~ name).columns[0].values()[0] -%}
        {%- do log("registered " ~ schema ~ "." ~ name ~ ": " ~ rows ~ " rows", info=True) -%}
    {%- endfor -%}
    {%- do log("Registered " ~ tables | length ~ " tables in schema " ~ schema ~ " on Spark", info=True) -%}
{% endmacro %}
