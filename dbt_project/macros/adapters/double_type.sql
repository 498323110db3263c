{#- A 64-bit float type. dbt.type_float() is a 32-bit FLOAT on DuckDB and on Spark, which
    would round averages and histogram bounds, so every adapter names its double here. -#}
{% macro double_type() -%}
    {{ return(adapter.dispatch('double_type', 'spotify_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__double_type() -%}double{%- endmacro %}

{% macro spark__double_type() -%}double{%- endmacro %}

{% macro default__double_type() -%}double precision{%- endmacro %}
