-- Payment lines (回款) attributed to a rep, a customer and a region: the one place where "whose money is
-- this" is decided (docs/contract.md section 4, fct_collections).
--   order_rep       the payment names an order that exists: the order's rep (the rep of its largest line
--                   by net amount, then the lowest rep_id: an order normally has one rep)
--   customer_owner  no order, or an order the exports do not hold: the paying customer's owner
--                   (customers.owner_rep_id)
--   unattributed    neither: the payment counts for the company and its region (the customer's), for no rep
-- Every accepted payment is here, once: Σ amount = Σ stg_raw__payments.amount
-- (tests/assert_collections_reconcile_to_payments.sql).

with

payments as (

    select * from {{ ref('stg_raw__payments') }}

),

order_lines as (

    select
        order_id,
        rep_id,
        customer_id,
        row_number() over (partition by order_id order by net_amount desc, rep_id) as line_rank
    from {{ ref('int_order_lines_enriched') }}

),

order_reps as (

    select order_id, rep_id, customer_id from order_lines where line_rank = 1

),

customers as (

    select customer_id, owner_rep_id, region from {{ ref('stg_raw__customers') }}

),

reps as (

    select rep_id, region, team, region_is_default from {{ ref('stg_raw__reps') }}

),

attributed as (

    select
        payments.payment_id,
        payments.payment_date,
        {{ period_start('month', 'payments.payment_date') }} as payment_month,
        payments.customer_id,
        payments.order_id,
        order_reps.order_id is not null as is_order_found,
        case
            when order_reps.order_id is not null then 'order_rep'
            when customers.owner_rep_id is not null then 'customer_owner'
            else 'unattributed'
        end as attributed_by,
        case
            when order_reps.order_id is not null then order_reps.rep_id
            else customers.owner_rep_id
        end as rep_id,
        payments.amount,
        payments.payment_date > {{ as_of_date() }} as is_after_as_of,

        payments._source_file,
        payments._source_row,
        payments._file_seq

    from payments
    left join order_reps on payments.order_id = order_reps.order_id
    left join customers on payments.customer_id = customers.customer_id

),

final as (

    select
        attributed.payment_id,
        attributed.payment_date,
        attributed.payment_month,
        attributed.customer_id,
        attributed.order_id,
        attributed.is_order_found,
        attributed.attributed_by,
        attributed.rep_id,
        -- the rep's region (an unassigned rep's 未分配 gives way to the customer's region), else the customer's
        case
            when reps.rep_id is not null and not reps.region_is_default then reps.region
            else coalesce(customers.region, reps.region)
        end as region,
        reps.team,
        attributed.amount,
        attributed.is_after_as_of,

        attributed._source_file,
        attributed._source_row,
        attributed._file_seq

    from attributed
    left join reps on attributed.rep_id = reps.rep_id
    left join customers on attributed.customer_id = customers.customer_id

)

select * from final
