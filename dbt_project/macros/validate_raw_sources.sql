{#-
    Runs at the start of every dbt invocation (on-run-start in dbt_project.yml).

    Checks every raw file declared in the sources (`meta.raw_file`) before any model reads
    it, so that a wrong path, an empty, binary or compressed-but-truncated file, or an export
    with a renamed column stops the build with one line naming the file and the problem,
    instead of an error deep inside a staging model. The header is judged by the very reader
    that loads the file for staging (models_ml/raw_csv.py, called through the SQL function
    raw_csv_problem() that the raw_csv plugin registers), so the check and the load cannot
    disagree. The columns to expect are those documented for the source table in
    staging/<source>/_<source>__sources.yml (less those marked meta.optional).

    Broken lines inside a file with a good header do not stop anything: they are loaded as
    malformed rows and quarantined (malformed_line).
-#}
{% macro validate_raw_sources() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- for node in graph.sources.values() if node.meta.get('raw_file') -%}
        {%- set required = [] -%}
        {%- for name, column in node.columns.items() if not column.meta.get('optional', false) -%}
            {%- do required.append(name) -%}
        {%- endfor -%}
        {%- set label = node.source_name ~ '.' ~ node.name -%}
        {%- if node.meta.get('optional_file', false) -%}
            {#- A folder of files (a glob): none is fine, each one present must be valid. -#}
            {%- for path in raw_files(node.meta['raw_file']) -%}
                {%- do check_raw_file(path, required, label) -%}
            {%- endfor -%}
        {%- else -%}
            {%- do check_raw_file(node.meta['raw_file'], required, label) -%}
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


{% macro check_raw_file(path, required_columns, source_label) %}
    {%- set sql_path = path | replace("'", "''") -%}
    {%- set hint = 'set the dbt var raw_data_dir or the SPOTIFY_RAW_DIR environment variable (docs/warehouse.md: "Pointing the build at other raw files")' -%}

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
