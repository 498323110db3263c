{#- Every value of the column has at least one matching row in `to` (optionally filtered):
    the reverse of a relationships test, e.g. every track has at least one genre. -#}
{% test has_related_row(model, column_name, to, field, to_filter=none) %}
    select {{ column_name }}
    from {{ model }} as parent
    where {{ column_name }} is not null
      and not exists (
        select 1
        from {{ to }} as child
        where child.{{ field }} = parent.{{ column_name }}
        {% if to_filter %}and {{ to_filter }}{% endif %}
      )
{% endtest %}
