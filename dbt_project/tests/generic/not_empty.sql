{#- Fails when the model or source has no rows: an empty raw file or a filter that drops
    everything would otherwise pass every other test vacuously. -#}
{% test not_empty(model) %}
    select 1 as empty_relation
    from (select count(*) as row_count from {{ model }}) as counted
    where row_count = 0
{% endtest %}
