{#- Precision, recall and F1 of one genre from its counts, as scikit-learn defines them with
    zero_division=0: a genre never predicted has precision 0, one never true recall 0.
    `which` is 'precision', 'recall' or 'f1'. Used per fold (the macro averages of
    ml.model_metrics) and over the pooled folds (ml.genre_class_metrics). -#}
{% macro class_score(which, true_positives='true_positives', predicted_count='predicted_count', support='support') -%}
    {%- if which == 'precision' -%}
        case when {{ predicted_count }} > 0 then {{ true_positives }} / {{ predicted_count }} else 0 end
    {%- elif which == 'recall' -%}
        case when {{ support }} > 0 then {{ true_positives }} / {{ support }} else 0 end
    {%- elif which == 'f1' -%}
        case when {{ support }} + {{ predicted_count }} > 0
            then 2.0 * {{ true_positives }} / ({{ support }} + {{ predicted_count }}) else 0 end
    {%- else -%}
        {{ exceptions.raise_compiler_error("class_score: unknown score " ~ which) }}
    {%- endif -%}
{%- endmacro %}
