{#-
    Seeds on Spark. dbt-spark's loader (spark__load_csv_rows) passes the values as bindings
    that its session connection pastes into the SQL between quotes without escaping them, so
    a value with an apostrophe ("the header's width") breaks the statement, and a '%' would
    break its %-formatting. This override writes each value as an escaped Spark literal
    instead; the seeds load the same rows as on DuckDB.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set batch_size = get_batch_size() -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(batch_size) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- set column_name = agate_table.column_names[loop.index0] -%}
                    {%- set type = column_override.get(column_name, adapter.convert_type(agate_table, loop.index0)) -%}
                    cast({{ spark_seed_literal(value) }} as {{ type }}){{ ',' if not loop.last }}
                {%- endfor -%}){{ ',' if not loop.last }}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{% endmacro %}


{#- One seed value as a Spark SQL literal: NULL, a number as written, else an escaped string. -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is number and value is not boolean -%}
        {{ value }}
    {%- else -%}
        '{{ spark_string(value | string) }}'
    {%- endif -%}
{%- endmacro %}
