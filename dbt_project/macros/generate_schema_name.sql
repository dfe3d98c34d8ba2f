{#
  Custom schemas are used verbatim: +schema: staging builds into `staging`, not `<target>_staging`.
  The build database belongs to one pipeline, so there is no per-developer schema prefix to keep.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
