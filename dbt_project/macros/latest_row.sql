{#
  Keyed de-duplication used by staging (DESIGN.md "raw.<entity>"): among rows sharing `key_columns`
  the latest `updated_at` wins (rows without one count as oldest), then the latest file (_file_seq),
  then the latest row in that file (_source_row). Renders a QUALIFY clause.
#}
{% macro qualify_latest_row(key_columns, updated_at=none) -%}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by
            {% if updated_at %}{{ updated_at }} desc nulls last,{% endif %}
            _file_seq desc nulls last,
            _source_row desc nulls last
    ) = 1
{%- endmacro %}
