{#-
    Spark's side of raw-file registration (the on-run-start hook validate_raw_sources in
    raw_sources.sql dispatches here on Spark).

    Each raw file, or each file a glob matches, becomes the view raw.<table>: one row per data
    line, every header column as text, plus source_file, source_row_number,
    source_line_number, malformed_detail and raw_line, by the rules of the DuckDB loader
    (models_ml/raw_csv.py; docs/warehouse.md, "Reading the raw files"), written in Spark SQL so
    the split runs on the cluster:

      * Lines end at LF (the text source with lineSep '\n'; Spark's default would also split
        at a lone CR); a CR before the LF and a byte-order mark before the header are dropped.
      * Row numbers are positions in the file: row_number() per file, ordered by the file
        block a line was read from and the order it was read in it (monotonically_increasing_id
        grows within a task), so they never depend on how Spark split the work.
      * A line is split by a regular expression of RFC 4180 fields (comma, double quote, ""
        inside quotes; a quote inside an unquoted field is a character). Spark's own CSV
        reader is not used: its escape character is '\', and it pads a short line with NULLs
        without a word, where the quarantine must see "expected 21 fields, found 6".
      * A line that is not valid UTF-8, holds a NUL byte, is blank, breaks the quoting, has a
        field over 131,072 characters or has the wrong number of fields is a malformed row,
        its detail worded as the DuckDB loader words it. Two details differ: Spark has
        already replaced undecodable bytes by U+FFFD when the line reaches SQL, so the detail
        cannot name the byte, and raw_line shows U+FFFD where DuckDB shows \xNN.

    The text table raw.<table>__text is EXTERNAL (it points at the files through its path
    option): dropping it never deletes a raw file.
-#}
{% macro spark__prepare_raw_sources() %}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- for raw in raw_file_sources() -%}
        {%- do run_query('create database if not exists ' ~ raw.node.schema) -%}
        {%- set files = spark_raw_files(raw) -%}
        {%- set text_table = raw.node.schema ~ '.' ~ raw.node.name ~ '__text' -%}
        {%- do run_query('drop table if exists ' ~ text_table) -%}
        {%- if files | length == 0 -%}
            {%- do run_query(spark_empty_raw_view(raw)) -%}
        {%- else -%}
            {#- The listing's paths are absolute; a relative path in a table's options would be
                read relative to the table's database folder, not to where dbt runs. -#}
            {%- set pattern = files[0].rsplit('/', 1)[0] ~ '/' ~ raw.pattern.rsplit('/', 1)[-1] -%}
            {%- do run_query("create table " ~ text_table ~ " using text options (path '" ~ spark_string(pattern) ~ "', lineSep '\\n')") -%}
            {%- set headers = spark_raw_headers(raw, files, text_table) -%}
            {%- do run_query(spark_raw_lines_view(raw, headers, text_table)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{#- A value as the body of a Spark string literal ('...'): backslashes and quotes escaped. -#}
{% macro spark_string(value) -%}
    {{- value | replace("\\", "\\\\") | replace("'", "\\'") -}}
{%- endmacro %}


{#- A path as people wrote it: Spark reports local files as file:/abs/path. -#}
{% macro spark_display_path(path) -%}
    {{- path[5:] if path.startswith('file:/') else path -}}
{%- endmacro %}


{#- The files the source's path or glob matches, sorted; a required file that is missing
    stops the build here. Listed with the binaryFile source (names only: no content is read)
    over the folder, with the file name (or its glob) as pathGlobFilter, so an empty folder
    gives an empty list instead of Spark's PATH_NOT_FOUND. -#}
{% macro spark_raw_files(raw) %}
    {%- set parts = raw.pattern.rsplit('/', 1) -%}
    {%- set folder = parts[0] if parts | length == 2 else '.' -%}
    {%- set name = parts[-1] -%}
    {%- do run_query("create or replace temporary view spotify_warehouse_raw_listing using binaryFile options (path '" ~ spark_string(folder) ~ "', pathGlobFilter '" ~ spark_string(name) ~ "')") -%}
    {%- set listed = run_query("select path from spotify_warehouse_raw_listing order by path") -%}
    {%- set files = listed.columns[0].values() | list -%}
    {%- if files | length == 0 and not raw.optional -%}
        {{ exceptions.raise_compiler_error(raw.pattern ~ ": raw file for source " ~ raw.label ~ " not found; " ~ raw_source_hint()) }}
    {%- endif -%}
    {{ return(files) }}
{% endmacro %}


{#- Each file's header as column names, checked as the DuckDB loader checks it (empty file,
    no comma-separated header, reserved or missing columns). Returns [(path, names)]. The
    first line of a file is the first line read from its first block. -#}
{% macro spark_raw_headers(raw, files, text_table) %}
    {%- set query -%}
        select file_path, min_by(line_text, read_order) as header_line
        from (
            select
                _metadata.file_path           as file_path,
                monotonically_increasing_id() as read_order,
                value                         as line_text
            from {{ text_table }}
            where _metadata.file_block_start = 0
        ) as first_blocks
        group by file_path
    {%- endset -%}
    {%- set first_lines = {} -%}
    {%- for row in run_query(query).rows -%}
        {%- do first_lines.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- set headers = [] -%}
    {%- for path in files -%}
        {%- set shown = spark_display_path(path) -%}
        {%- set line = first_lines.get(path) -%}
        {%- if line is none or (line | trim) == '' -%}
            {{ exceptions.raise_compiler_error(shown ~ ": file is empty") }}
        {%- endif -%}
        {%- set line = line[1:] if line.startswith('\ufeff') else line -%}
        {%- set line = line[:-1] if line.endswith('\r') else line -%}
        {%- set fields = spark_csv_fields(line) -%}
        {%- if fields is none -%}
            {{ exceptions.raise_compiler_error(shown ~ ": not a comma-separated CSV file (its first line, the header, is not readable: broken quoting)") }}
        {%- elif fields | length < 2 -%}
            {{ exceptions.raise_compiler_error(shown ~ ": not a comma-separated CSV file (its first line holds no comma-separated header)") }}
        {%- endif -%}
        {%- set names = spark_header_names(fields) -%}
        {%- set reserved = names | select('in', raw_line_columns()) | unique | sort | list -%}
        {%- if reserved -%}
            {{ exceptions.raise_compiler_error(shown ~ ": the header uses reserved column names " ~ reserved) }}
        {%- endif -%}
        {%- set missing = raw.required | reject('in', names) | list -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(shown ~ ": column" ~ ("s" if missing | length > 1 else "") ~ " '" ~ missing | join("', '") ~ "' missing from the header (source " ~ raw.label ~ ")") }}
        {%- endif -%}
        {%- do headers.append((path, names)) -%}
    {%- endfor -%}
    {{ return(headers) }}
{% endmacro %}


{#- One CSV field, as a Java (and Python) regular expression: quoted with "" inside, or
    unquoted (not starting with a quote, no comma, no CR), or empty. -#}
{% macro csv_field_pattern() -%}
    (?:"(?:[^"]|"")*"|[^,"\r][^,\r]*|)
{%- endmacro %}


{#- The fields of one line (header), or none when its quoting is broken. -#}
{% macro spark_csv_fields(line) %}
    {%- set field = csv_field_pattern() -%}
    {%- if modules.re.fullmatch(field ~ '(?:,' ~ field ~ ')*', line) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set fields = [] -%}
    {%- for found in modules.re.findall('(?:^|,)(' ~ field ~ ')', line) -%}
        {%- do fields.append(found[1:-1].replace('""', '"') if found.startswith('"') else found) -%}
    {%- endfor -%}
    {{ return(fields) }}
{% endmacro %}


{#- Column names from header fields: trimmed; an empty name becomes columnNN (as DuckDB's
    reader names it, and models_ml.raw_csv.header_names). -#}
{% macro spark_header_names(fields) %}
    {%- set width = ((fields | length) - 1) | string | length -%}
    {%- set names = [] -%}
    {%- for field in fields -%}
        {%- set name = field | trim -%}
        {%- do names.append(name if name else 'column' ~ ('%0' ~ width ~ 'd') | format(loop.index0)) -%}
    {%- endfor -%}
    {{ return(names) }}
{% endmacro %}


{#- The view of the data lines of every file, split and judged (see the top of this file). -#}
{% macro spark_raw_lines_view(raw, headers, text_table) %}
    {%- set field = csv_field_pattern() -%}
    {%- set columns = [] -%}
    {%- for path, names in headers -%}
        {%- for name in names if name | lower not in columns | map('lower') | list -%}
            {%- do columns.append(name) -%}
        {%- endfor -%}
    {%- endfor -%}
    create or replace view {{ raw.node.schema }}.{{ raw.node.name }} as
    with

    lines as (
        select
            _metadata.file_path           as file_path,
            _metadata.file_name           as source_file,
            _metadata.file_block_start    as block_start,
            monotonically_increasing_id() as read_order,
            value                         as line_text
        from {{ text_table }}
    ),

    numbered as (
        select
            file_path,
            source_file,
            cast(row_number() over (partition by file_path order by block_start, read_order) as bigint)
                as source_line_number,
            regexp_replace(line_text, '\r\\z', '') as line_text
        from lines
    ),

    data_lines as (
        select
            file_path,
            source_file,
            source_line_number,
            line_text,
            case file_path
                {%- for path, names in headers %}
                when '{{ spark_string(path) }}' then {{ names | length }}
                {%- endfor %}
            end                                                      as expected_fields,
            instr(line_text, '"') > 0 or instr(line_text, '\r') > 0 as has_quote_or_cr
        from numbered
        where source_line_number > 1
    ),

    split_lines as (
        select
            *,
            case
                when has_quote_or_cr then transform(
                    regexp_extract_all(line_text, '(?:^|,)({{ field }})', 1),
                    value -> case
                        when value like '"%' then replace(substr(value, 2, length(value) - 2), '""', '"')
                        else value
                    end
                )
                else split(line_text, ',', -1)
            end                                                                          as fields,
            has_quote_or_cr and not regexp(line_text, '^{{ field }}(?:,{{ field }})*\\z') as is_broken_quoting,
            length(line_text) - length(replace(line_text, '"', ''))                      as quote_count
        from data_lines
    ),

    judged as (
        select
            *,
            case
                when instr(line_text, '\uFFFD') > 0
                    then 'not valid UTF-8 (undecodable bytes read as U+FFFD)'
                when instr(line_text, chr(0)) > 0
                    then concat('NUL byte at position ', instr(line_text, chr(0)))
                when regexp(line_text, '^\\s*\\z')
                    then 'blank line'
                when is_broken_quoting and quote_count % 2 = 1
                    then 'unterminated quoted field'
                when is_broken_quoting and instr(line_text, '\r') > 0
                    then 'carriage return inside an unquoted field'
                when is_broken_quoting
                    then 'text after a closing quote'
                when exists(fields, value -> length(value) > 131072)
                    then 'a field is longer than 131,072 characters'
                when size(fields) <> expected_fields
                    then concat('expected ', expected_fields, ' fields, found ', size(fields))
            end as malformed_detail
        from split_lines
    ),

    final as (
        select
            source_file,
            source_line_number - 1                                                as source_row_number,
            source_line_number,
            malformed_detail,
            case when malformed_detail is not null then left(line_text, 1000) end as raw_line
            {%- for column in columns %},
            case when malformed_detail is null then
                case file_path
                    {%- for path, names in headers if column in names %}
                    when '{{ spark_string(path) }}' then fields[{{ names.index(column) }}]
                    {%- endfor %}
                end
            end as {{ adapter.quote(column) }}
            {%- endfor %}
        from judged
    )

    select * from final
{% endmacro %}


{#- An optional folder with no file: the view has the line columns and no row. -#}
{% macro spark_empty_raw_view(raw) %}
    create or replace view {{ raw.node.schema }}.{{ raw.node.name }} as
    select
        cast(null as string) as source_file,
        cast(null as bigint) as source_row_number,
        cast(null as bigint) as source_line_number,
        cast(null as string) as malformed_detail,
        cast(null as string) as raw_line
    where false
{% endmacro %}
