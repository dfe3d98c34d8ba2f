-- Every landed version of the rows an incremental build looks at (macros/incremental.sql: which orders, order
-- months and entities the files since the last build touched). The other staging views keep only each key's
-- current version; a correction that moves a line to another month also touches the month of its earlier
-- version, so this one keeps them all. Only selects and casts.
select 'orders' as entity, cast(order_id as varchar) as order_id, cast(order_date as date) as order_date, _file_seq
from {{ source('raw', 'orders') }}
union all
select 'credit_splits', cast(order_id as varchar), cast(null as date), _file_seq from {{ source('raw', 'credit_splits') }}
union all
select 'returns', cast(order_id as varchar), cast(null as date), _file_seq from {{ source('raw', 'returns') }}
union all
select 'reps', cast(null as varchar), cast(null as date), _file_seq from {{ source('raw', 'reps') }}
union all
select 'products', cast(null as varchar), cast(null as date), _file_seq from {{ source('raw', 'products') }}
