{#-
    The analyst-facing way to ask for a mood playlist in SQL: a table function in the
    warehouse, created after mart_mood_playlists is built,

        select * from marts.mood_playlist('chill');             -- the top 20
        select * from marts.mood_playlist('party', size := 50); -- up to mood_playlist_size

    An unknown mood gives no rows (`select distinct mood from marts.mart_mood_playlists`
    lists them). DuckDB table macros are adapter-specific, so this dispatches; other
    adapters get no function and a log line.
-#}
{% macro create_mood_playlist_function() %}
    {{ return(adapter.dispatch('create_mood_playlist_function')()) }}
{% endmacro %}

{% macro duckdb__create_mood_playlist_function() %}
    create or replace macro {{ this.schema }}.mood_playlist(mood_name, size := 20) as table
        select mood_rank, track_id, track_name, artist_names, popularity, centre_distance
        from {{ this }}
        where mood = mood_name and mood_rank <= size
        order by mood_rank
{% endmacro %}

{% macro default__create_mood_playlist_function() %}
    {% if execute %}
        {% do log("mood_playlist() is only created on DuckDB; query mart_mood_playlists instead.", info=True) %}
    {% endif %}
    select 1
{% endmacro %}
