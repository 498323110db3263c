{#- Every row satisfies a boolean SQL expression (on the model, or on one column with
    `column_name` set). Rows where the expression is NULL fail too. -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce(({{ column_name ~ ' ' if column_name else '' }}{{ expression }}), false)
{% endtest %}
