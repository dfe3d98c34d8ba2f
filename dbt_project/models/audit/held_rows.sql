-- The published list of held rows (audit.held_rows): what int_rows_held holds out of credit and commission.
-- audit.ingested_files.rows_held counts them per file (rows read = accepted + rejected + held).
{{ config(schema='audit') }}

select entity, file, row_number, row_key, rep_id, rule, reason, amount
from {{ ref('int_rows_held') }}
