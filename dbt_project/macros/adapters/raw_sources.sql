{#-
    Raw-file registration and validation: runs at the start of every dbt invocation
    (on-run-start in dbt_project.yml), before any model reads a raw file.

    For every raw file declared in the sources (`meta.raw_file`: a path, or a glob of which
    every match is read and which must match a file; with `meta.optional_file`, a folder of
    files that may be empty) it checks that the file exists and that its header holds every
    column documented for the source table (less those marked meta.optional), so that a
    wrong path, an empty or binary file, or an export with a renamed column stops the build
    with one line naming the file and the problem, instead of an error deep inside a staging
    model. Broken lines inside a file with a good header do not stop anything: they become
    malformed rows and are quarantined (malformed_line).

    The engines differ in how a file becomes the relation raw.<table> (one row per data line,
    every column as text, plus source_file, source_row_number, source_line_number,
    malformed_detail and raw_line):
      * DuckDB: the dbt-duckdb plugin raw_csv (models_ml/raw_csv.py) loads the file when
        staging's source() is resolved; this hook only validates, through the SQL function
        raw_csv_problem() that the plugin registers, so the check and the load cannot disagree.
      * Spark: this hook registers each file as an external text table raw.<table>__text (one
        row per line; the files are never copied or deleted) and creates the view raw.<table>
        that splits the lines by the same rules (spark_raw_lines_view in raw_lines_spark.sql).
-#}
{% macro validate_raw_sources() %}
    {{ return(adapter.dispatch('prepare_raw_sources', 'spotify_warehouse')()) }}
{% endmacro %}


{#- The raw-file sources and, for each, the header columns a file must have. -#}
{% macro raw_file_sources() %}
    {%- set found = [] -%}
    {%- for node in graph.sources.values() if node.meta.get('raw_file') -%}
        {%- set required = [] -%}
        {%- for name, column in node.columns.items() if not column.meta.get('optional', false) -%}
            {%- do required.append(name) -%}
        {%- endfor -%}
        {%- do found.append({
            'node': node,
            'label': node.source_name ~ '.' ~ node.name,
            'pattern': node.meta['raw_file'],
            'optional': node.meta.get('optional_file', false),
            'required': required,
        }) -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}


{% macro raw_source_hint() -%}
    set the dbt var raw_data_dir or the SPOTIFY_RAW_DIR environment variable (docs/warehouse.md: "Pointing the build at other raw files")
{%- endmacro %}


{% macro duckdb__prepare_raw_sources() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- for raw in raw_file_sources() -%}
        {%- if raw.optional -%}
            {#- A folder of files (a glob): none is fine, each one present must be valid. -#}
            {%- for path in raw_files(raw.pattern) -%}
                {%- do check_raw_file(path, raw.required, raw.label) -%}
            {%- endfor -%}
        {%- else -%}
            {#- One file, or a glob of several (the loader reads every match): each match
                must be valid; no match stops the build with "not found". -#}
            {%- set paths = raw_files(raw.pattern) -%}
            {%- for path in (paths if paths else [raw.pattern]) -%}
                {%- do check_raw_file(path, raw.required, raw.label) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{#- The files a path or glob pattern matches, sorted; empty when none. -#}
{% macro raw_files(pattern) %}
    {%- if not execute -%}{{ return([]) }}{%- endif -%}
    {%- set sql_pattern = pattern | replace("'", "''") -%}
    {%- set found = run_query("select file from glob('" ~ sql_pattern ~ "') order by file") -%}
    {{ return(found.columns[0].values() | list) }}
{% endmacro %}


{#- DuckDB: one file judged by the raw_csv reader (raw_csv_problem). -#}
{% macro check_raw_file(path, required_columns, source_label) %}
    {%- set sql_path = path | replace("'", "''") -%}
    {%- set hint = raw_source_hint() -%}

    {%- set found = run_query("select count(*) from glob('" ~ sql_path ~ "')").columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{ exceptions.raise_compiler_error(path ~ ": raw file for source " ~ source_label ~ " not found; " ~ hint) }}
    {%- endif -%}

    {%- set columns_sql -%}
        [{%- for name in required_columns -%}'{{ name | replace("'", "''") }}'{{ ',' if not loop.last }}{%- endfor -%}]::varchar[]
    {%- endset -%}
    {%- set problem = run_query("select raw_csv_problem('" ~ sql_path ~ "', " ~ columns_sql ~ ")").columns[0].values()[0] -%}
    {%- if problem is not none -%}
        {{ exceptions.raise_compiler_error(problem ~ (" (source " ~ source_label ~ ")" if "missing from the header" in problem else "; expected a CSV with a header row holding " ~ required_columns | join(', '))) }}
    {%- endif -%}
{% endmacro %}
