{#-
    Small SQL functions whose spelling differs between engines, one dispatched macro each,
    so staging, quality and the marts are the same files on DuckDB and on Spark
    (docs/spark.md, "What differs between the engines"). An adapter without an
    implementation fails at compile time with the macro's name.
-#}

{#- Whether the whole text matches the regular expression (not just a part of it). Spark's
    rlike/regexp find a match anywhere, and `$` would also match before a final newline,
    hence the anchors ^(?:...)\z there. NULL text gives NULL. -#}
{% macro regex_full_match(column, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'spotify_warehouse')(column, pattern)) }}
{%- endmacro %}

{% macro duckdb__regex_full_match(column, pattern) -%}
    regexp_full_match({{ column }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__regex_full_match(column, pattern) -%}
    regexp({{ column }}, '^(?:{{ pattern | replace("\\", "\\\\") }})\\z')
{%- endmacro %}


{#- Whether a double is a finite number (not NaN, not infinite). -#}
{% macro is_finite(expression) -%}
    {{ return(adapter.dispatch('is_finite', 'spotify_warehouse')(expression)) }}
{%- endmacro %}

{% macro duckdb__is_finite(expression) -%}
    isfinite({{ expression }})
{%- endmacro %}

{% macro spark__is_finite(expression) -%}
    (not isnan({{ expression }}) and abs({{ expression }}) < double('Infinity'))
{%- endmacro %}


{#- A JSON object text from (key, SQL expression) pairs, keys in the given order and NULL
    values kept as null (Spark's to_json drops them unless told not to). -#}
{% macro json_object_of(pairs) -%}
    {{ return(adapter.dispatch('json_object_of', 'spotify_warehouse')(pairs)) }}
{%- endmacro %}

{% macro duckdb__json_object_of(pairs) -%}
    json_object(
        {%- for key, expression in pairs %}
        '{{ key }}', {{ expression }}{{ ',' if not loop.last }}
        {%- endfor %}
    )
{%- endmacro %}

{% macro spark__json_object_of(pairs) -%}
    to_json(
        named_struct(
            {%- for key, expression in pairs %}
            '{{ key }}', {{ expression }}{{ ',' if not loop.last }}
            {%- endfor %}
        ),
        map('ignoreNullFields', 'false')
    )
{%- endmacro %}


{#- The text value at a JSON path ('$.track_id'), NULL when absent. -#}
{% macro json_text(column, path) -%}
    {{ return(adapter.dispatch('json_text', 'spotify_warehouse')(column, path)) }}
{%- endmacro %}

{% macro duckdb__json_text(column, path) -%}
    json_extract_string({{ column }}, '{{ path }}')
{%- endmacro %}

{% macro spark__json_text(column, path) -%}
    get_json_object({{ column }}, '{{ path }}')
{%- endmacro %}


{#- How many parts a delimited text has ('a;b' -> 2), NULL for NULL text. -#}
{% macro split_count(column, delimiter) -%}
    {{ return(adapter.dispatch('split_count', 'spotify_warehouse')(column, delimiter)) }}
{%- endmacro %}

{% macro duckdb__split_count(column, delimiter) -%}
    len(string_split({{ column }}, '{{ delimiter }}'))
{%- endmacro %}

{% macro spark__split_count(column, delimiter) -%}
    size(split({{ column }}, '\\Q{{ delimiter }}\\E', -1))
{%- endmacro %}


{#- Every match of a regular expression in the text replaced (DuckDB replaces only the first
    match unless told 'g'; Spark replaces all). Patterns use what both engines read alike:
    RE2 and Java agree on classes, \p{L}/\p{N} and anchors. NULL text gives NULL. -#}
{% macro regex_replace_all(column, pattern, replacement) -%}
    {{ return(adapter.dispatch('regex_replace_all', 'spotify_warehouse')(column, pattern, replacement)) }}
{%- endmacro %}

{% macro duckdb__regex_replace_all(column, pattern, replacement) -%}
    regexp_replace({{ column }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{% macro spark__regex_replace_all(column, pattern, replacement) -%}
    regexp_replace({{ column }}, '{{ pattern | replace("\\", "\\\\") }}', '{{ replacement }}')
{%- endmacro %}
