{#- One row per accepted new track from the incoming folder: the three most likely genres in
    each taxonomy with their probabilities, and the predicted popularity, from the
    cold-start models of this build's training run. Rejected rows are in
    quality.quarantined_rows (source incoming.new_tracks). -#}
with

scored as (
    select * from {{ ref('int_new_tracks_scored') }}
),

final as (
    select
        cast(run_id as varchar)                           as run_id,
        cast(source_file as varchar)                      as source_file,
        cast(source_row_number as bigint)                 as source_row_number,
        cast(track_id as varchar)                         as track_id,
        cast(track_name as varchar)                       as track_name,
        cast(artist_names as varchar)                     as artist_names,
        {%- for task in ['track_genre', 'playlist_genre'] %}
        {%- for rank in [1, 2, 3] %}
        cast({{ task }}_{{ rank }} as varchar)            as {{ task }}_{{ rank }},
        cast({{ task }}_{{ rank }}_probability as double) as {{ task }}_{{ rank }}_probability,
        {%- endfor %}
        {%- endfor %}
        cast(predicted_popularity as double)              as predicted_popularity
    from scored
)

select * from final
