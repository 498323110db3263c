{#-
    Parsing helpers for the staging layer. Raw files are read as text; these macros turn
    text into typed values without ever failing the read (try_cast), and record for each
    row which values were missing or did not parse, so the quality layer can quarantine the
    row with a reason instead of silently keeping a NULL.

    They run unchanged on DuckDB and Spark: what an engine spells its own way (a full regex
    match, a finiteness test, a JSON object) goes through the dispatched macros of
    macros/adapters/sql_functions.sql.
-#}

{#- Text with surrounding spaces and tabs removed; empty or blank text becomes NULL;
    `na_strings` lists extra markers of a missing value (TidyTuesday's R export wrote 'NA'). -#}
{% macro clean_text(column, na_strings=[]) -%}
    {%- set cleaned = namespace(expr="nullif(trim(both ' ' || chr(9) from " ~ column ~ "), '')") -%}
    {%- for marker in na_strings -%}
        {%- set cleaned.expr = "nullif(" ~ cleaned.expr ~ ", '" ~ marker ~ "')" -%}
    {%- endfor -%}
    {{ cleaned.expr }}
{%- endmacro %}


{#- 'True'/'False' in any letter case; anything else is NULL (and reported by parse_issues). -#}
{% macro parse_boolean(column) -%}
    case lower({{ column }}) when 'true' then true when 'false' then false end
{%- endmacro %}


{#- Album release dates come as YYYY-MM-DD, YYYY-MM or YYYY. -#}
{% macro release_date_precision(column) -%}
    case
        when {{ regex_full_match(column, '[0-9]{4}-[0-9]{2}-[0-9]{2}') }} then 'day'
        when {{ regex_full_match(column, '[0-9]{4}-[0-9]{2}') }} then 'month'
        when {{ regex_full_match(column, '[0-9]{4}') }} then 'year'
    end
{%- endmacro %}

{#- The first day of the period a (possibly partial) release date names; NULL when the
    text is not one of the three shapes or is not a calendar date (2019-02-30). -#}
{% macro parse_release_date(column) -%}
    try_cast(
        case {{ release_date_precision(column) }}
            when 'day' then {{ column }}
            when 'month' then {{ column }} || '-01'
            when 'year' then {{ column }} || '-01-01'
        end
        as date
    )
{%- endmacro %}


{#- A Spotify id is 22 characters of base62; anything else is NULL. -#}
{% macro parse_spotify_id(column) -%}
    case when {{ regex_full_match(column, '[0-9A-Za-z]{22}') }} then {{ column }} end
{%- endmacro %}


{#- The typed value of one raw text column, as described by a parse spec:
    {'name': 'popularity', 'type': 'integer'} or
    {'name': ..., 'kind': 'boolean' | 'date' | 'spotify_id'}. -#}
{% macro parse_value(spec, raw_column) -%}
    {%- set kind = spec.get('kind', 'number') -%}
    {%- if kind == 'spotify_id' -%}
        {{ parse_spotify_id(raw_column) }}
    {%- elif kind == 'boolean' -%}
        {{ parse_boolean(raw_column) }}
    {%- elif kind == 'date' -%}
        {{ parse_release_date(raw_column) }}
    {%- elif spec['type'] == 'double' -%}
        {{ parse_finite_double(raw_column) }}
    {%- else -%}
        {{ parse_whole_number(raw_column, spec['type']) }}
    {%- endif -%}
{%- endmacro %}


{#- A double, or NULL when the text is not a plain decimal number ('12', '-0.5', '.5',
    '1.01e-06'), or is one too large for a double ('1e999'). DuckDB's cast alone would also
    take 'NaN', 'inf' and digit separators ('1_000'): no measurement is written so, so those
    rows are quarantined as unparseable. -#}
{% macro parse_finite_double(column) -%}
    case
        when {{ regex_full_match(column, '[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?') }}
            and {{ is_finite('try_cast(' ~ column ~ ' as double)') }}
            then try_cast({{ column }} as double)
    end
{%- endmacro %}


{#- An integer column: a finite number without a fractional part ('73', '73.0', '1e3'), in
    range of the type. DuckDB's own cast would round '1.5' to 2 and read '0x10' as 16, so a
    malformed value would pass silently; here those are NULL and quarantined. -#}
{% macro parse_whole_number(column, type) -%}
    case
        when {{ parse_finite_double(column) }} = floor({{ parse_finite_double(column) }})
            then try_cast({{ parse_finite_double(column) }} as {{ type }})
    end
{%- endmacro %}


{#- One typed column per parse spec, read from `<name>_raw`. -#}
{% macro parsed_columns(specs) -%}
    {%- for spec in specs %}
        {{ parse_value(spec, spec['name'] ~ '_raw') }} as {{ spec['name'] }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- A ';'-separated list of reason codes, NULL when every value parsed:
      malformed_line                the line is not a CSV record of the header's width (the
                                    loader's malformed_detail says why); nothing else is
                                    reported for it, as it has no values
      missing_value:<column>        the value is empty and the column is required
      unparseable_<kind>:<column>   the value is present but is not a number, boolean or date
      malformed_id:<column>         the value is present but is not a 22-character Spotify id
    Specs with required = false may be empty. -#}
{% macro parse_issues(specs) -%}
    case when malformed_detail is not null then 'malformed_line' else nullif(concat_ws(';',
        {%- for spec in specs %}
        case
            when {{ spec['name'] }}_raw is null
                then {% if spec.get('required', true) %}'missing_value:{{ spec['name'] }}'{% else %}null{% endif %}
            when {{ parse_value(spec, spec['name'] ~ '_raw') }} is null
                then '{{ parse_failure_code(spec) }}:{{ spec['name'] }}'
        end{{ ',' if not loop.last }}
        {%- endfor %}
    ), '') end
{%- endmacro %}


{% macro parse_failure_code(spec) -%}
    {%- set kind = spec.get('kind', 'number') -%}
    {{- 'malformed_id' if kind == 'spotify_id' else 'unparseable_' ~ kind -}}
{%- endmacro %}


{#- The audio features both sources carry under the same names, with their types. tempo is
    left out: it is nulled when 0, so every model handles it explicitly. -#}
{% macro audio_feature_types() -%}
    {{ return({
        'danceability': 'double',
        'energy': 'double',
        'key': 'integer',
        'loudness': 'double',
        'mode': 'integer',
        'speechiness': 'double',
        'acousticness': 'double',
        'instrumentalness': 'double',
        'liveness': 'double',
        'valence': 'double',
    }) }}
{%- endmacro %}


{#- The audio-feature column names, in the order every model lists them. -#}
{% macro audio_feature_columns() -%}
    {{ return(audio_feature_types().keys() | list) }}
{%- endmacro %}


{#- The parse specs shared by both sources, whose raw columns have the same names in both
    files: the track id, the audio features, tempo and duration. -#}
{% macro shared_parse_specs() -%}
    {%- set specs = [{'name': 'track_id', 'kind': 'spotify_id'}] -%}
    {%- for name, type in audio_feature_types().items() -%}
        {%- do specs.append({'name': name, 'type': type}) -%}
    {%- endfor -%}
    {%- do specs.append({'name': 'tempo', 'type': 'double'}) -%}
    {%- do specs.append({'name': 'duration_ms', 'type': 'bigint'}) -%}
    {{ return(specs) }}
{%- endmacro %}


{#- `<name>_raw` text columns for the parse specs (default: the shared ones), cleaned, from
    raw columns of the same name. -#}
{% macro shared_raw_columns(specs=none) -%}
    {%- for spec in (specs if specs is not none else shared_parse_specs()) %}
        {{ clean_text(spec['name']) }} as {{ spec['name'] }}_raw{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}


{#- Columns for an explicit select list, one per line, each followed by a comma. -#}
{% macro column_list(columns) -%}
    {%- for column in columns %}
        {{ column }},
    {%- endfor %}
{%- endmacro %}


{#- The columns the raw_csv loader adds to every raw table (models_ml/raw_csv.py). -#}
{% macro raw_line_columns() -%}
    {{ return(['source_file', 'source_row_number', 'source_line_number', 'malformed_detail', 'raw_line']) }}
{%- endmacro %}


{#- The raw record as a JSON object of its text values, keyed by the file's own column names
    (read from the loaded raw table, so columns staging does not use are kept too); for a
    malformed line, {"raw_line": <its text>}. -#}
{% macro raw_values_json(relation) -%}
    {%- if not execute -%}{{ return("cast(null as " ~ dbt.type_string() ~ ")") }}{%- endif -%}
    {%- set names = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) if column.name not in raw_line_columns() -%}
        {%- do names.append(column.name) -%}
    {%- endfor -%}
    {%- set pairs = [] -%}
    {%- for name in names -%}
        {%- do pairs.append((name, adapter.quote(name))) -%}
    {%- endfor %}
    case
        when malformed_detail is null then {{ json_object_of(pairs) }}
        else {{ json_object_of([('raw_line', 'raw_line')]) }}
    end
{%- endmacro %}


{#- The names in `columns` that the loaded raw relation lacks (compared case-insensitively),
    so staging can add them as NULL: an incoming file may leave out optional columns, and an
    empty incoming folder gives a relation with the line columns only. -#}
{% macro missing_columns(relation, columns) -%}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set present = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- do present.append(column.name | lower) -%}
    {%- endfor -%}
    {{ return(columns | reject('in', present) | list) }}
{%- endmacro %}
