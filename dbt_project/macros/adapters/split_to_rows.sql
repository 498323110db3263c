{#-
    Explode a delimited text column into one row per element, keeping its 1-based position.
    Engine-specific (DuckDB: unnest ... with ordinality; Spark: a lateral view), so it is
    dispatched: another adapter adds its own `<adapter>__split_to_rows` and the models stay
    unchanged.

    Renders a FROM-clause fragment: `relation` joined to the elements as
    `<alias>(<value_column>, <position_column>)`.
-#}
{% macro split_to_rows(relation, column, delimiter, alias, value_column, position_column) -%}
    {{ return(adapter.dispatch('split_to_rows', 'spotify_warehouse')(relation, column, delimiter, alias, value_column, position_column)) }}
{%- endmacro %}

{% macro duckdb__split_to_rows(relation, column, delimiter, alias, value_column, position_column) -%}
    {{ relation }}
    cross join unnest(string_split({{ relation }}.{{ column }}, '{{ delimiter }}'))
        with ordinality as {{ alias }}({{ value_column }}, {{ position_column }})
{%- endmacro %}

{#- Spark's split() takes a regular expression: the delimiter is quoted (\Q...\E). Its
    posexplode() counts from 0, so the elements are built as structs with position + 1. -#}
{% macro spark__split_to_rows(relation, column, delimiter, alias, value_column, position_column) -%}
    {{ relation }}
    lateral view inline(
        transform(
            split({{ relation }}.{{ column }}, '\\Q{{ delimiter }}\\E', -1),
            (element, position) -> struct(element as {{ value_column }}, position + 1 as {{ position_column }})
        )
    ) {{ alias }} as {{ value_column }}, {{ position_column }}
{%- endmacro %}

{% macro default__split_to_rows(relation, column, delimiter, alias, value_column, position_column) -%}
    {{ exceptions.raise_compiler_error("split_to_rows has no implementation for adapter '" ~ adapter.type() ~ "': add " ~ adapter.type() ~ "__split_to_rows in dbt_project/macros/adapters/split_to_rows.sql") }}
{%- endmacro %}
