with

source as (

    select * from {{ source('config', 'process_settings') }}

),

renamed as (

    select
        cast(stalled_days as integer) as stalled_days,
        cast(high_stalled_days as integer) as high_stalled_days,
        cast(aged_days as integer) as aged_days,
        cast(key_account_segments as {{ dbt.type_string() }}) as key_account_segments,
        cast(key_account_window_days as integer) as key_account_window_days,
        cast(visit_order_window_days as integer) as visit_order_window_days,
        cast(visit_types as {{ dbt.type_string() }}) as visit_types,
        cast(association_window_days as integer) as association_window_days,
        cast(min_support as double) as min_support,
        cast(min_pair_count as integer) as min_pair_count,
        cast(max_products_per_order as integer) as max_products_per_order,
        cast(top_products as integer) as top_products,
        cast(cross_sell_min_lift as double) as cross_sell_min_lift,
        cast(cross_sell_per_customer as integer) as cross_sell_per_customer,
        cast(training_months_before as integer) as training_months_before,
        cast(training_months_after as integer) as training_months_after,
        cast(training_ramp_months as integer) as training_ramp_months,
        cast(training_min_reps as integer) as training_min_reps,
        cast(training_confidence as double) as training_confidence,
        cast(reorder_window_days as integer) as reorder_window_days,
        cast(low_score as double) as low_score,
        cast(high_score as double) as high_score

    from source

)

select * from renamed
