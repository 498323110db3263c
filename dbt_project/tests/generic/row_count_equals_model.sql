{#- The model has as many rows as `compare_model` (optionally filtered): a grain check
    between layers, such as one mart row per distinct key upstream. -#}
{% test row_count_equals_model(model, compare_model, compare_filter=none, compare_count='count(*)') %}
    with
    model_count as (select count(*) as n from {{ model }}),
    compare_count as (
        select {{ compare_count }} as n
        from {{ compare_model }}
        {% if compare_filter %}where {{ compare_filter }}{% endif %}
    )
    select model_count.n as model_rows, compare_count.n as compare_rows
    from model_count
    cross join compare_count
    where model_count.n <> compare_count.n
{% endtest %}
