{#- A 64-bit float type. dbt.type_float() is a 32-bit FLOAT on DuckDB, which would round
    averages and histogram bounds; other adapters keep dbt's float type. -#}
{% macro double_type() -%}
    {{ return(adapter.dispatch('double_type', 'spotify_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__double_type() -%}double{%- endmacro %}

{% macro default__double_type() -%}{{ dbt.type_float() }}{%- endmacro %}
