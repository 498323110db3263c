{#-
    Runs at the start of every dbt invocation (on-run-start in dbt_project.yml).

    Checks every raw file declared in the sources (`meta.raw_file`) before any model reads
    it, so that a wrong path, an empty or binary file, or an export with a renamed column
    stops the build with a message naming the file and the problem, instead of a binder
    error deep inside a staging view. The column list to expect is the list of columns
    documented for the source table in _spotify__sources.yml.
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
    {%- set hint = 'set the dbt var raw_data_dir or the SPOTIFY_RAW_DIR environment variable (README: "Pointing the build at other files")' -%}

    {%- set found = run_query("select count(*) from glob('" ~ sql_path ~ "')").columns[0].values()[0] -%}
    {%- if found == 0 -%}
        {{ exceptions.raise_compiler_error(path ~ ": raw file for source " ~ source_label ~ " not found; " ~ hint) }}
    {%- endif -%}

    {#- Read the first line as plain text: no dialect sniffing, so a binary or non-CSV
        file yields a clear message here rather than a sniffer error. -#}
    {%- set first_line_query -%}
        select header_line
        from read_csv(
            '{{ sql_path }}',
            header = false,
            auto_detect = false,
            columns = {'header_line': 'VARCHAR'},
            delim = chr(31),
            quote = '',
            escape = '',
            ignore_errors = true,
            strict_mode = false
        )
        limit 1
    {%- endset -%}
    {%- set rows = run_query(first_line_query).columns[0].values() -%}
    {%- if rows | length == 0 or rows[0] is none or rows[0] | trim == '' -%}
        {{ exceptions.raise_compiler_error(path ~ ": file is empty; expected a CSV with a header row holding " ~ required_columns | join(', ')) }}
    {%- endif -%}

    {%- set header = rows[0] -%}
    {%- if ',' not in header -%}
        {{ exceptions.raise_compiler_error(path ~ ": not a comma-separated CSV file (its first line holds no comma-separated header); expected columns " ~ required_columns | join(', ')) }}
    {%- endif -%}

    {%- set present = [] -%}
    {%- for name in header.split(',') -%}
        {%- do present.append(name | trim | replace('"', '')) -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for name in required_columns if name not in present -%}
        {%- do missing.append(name) -%}
    {%- endfor -%}
    {%- if missing | length > 0 -%}
        {{ exceptions.raise_compiler_error(path ~ ": column" ~ ('s ' if missing | length > 1 else ' ') ~ "'" ~ missing | join("', '") ~ "' missing from the header (source " ~ source_label ~ ")") }}
    {%- endif -%}
{% endmacro %}
