-- Cross-sell suggestions (交叉销售建议) per customer: product lines the customer has not bought in the last 365
-- days that go with a line it did buy in them, from the product-line pairs of fct_product_affinity bought in
-- the same order (scope order: what is sold together), in the basis year (the as-of year from July on, else
-- the year before). A suggestion needs lift >= process.yml's cross_sell_min_lift (1.2); its score is the
-- confidence (of the orders with the line the customer buys, the share that also hold the suggested one); the
-- best cross_sell_per_customer (3) are kept.

with

settings as (

    select cross_sell_min_lift, cross_sell_per_customer from {{ ref('stg_config__process_settings') }}

),

basis as (

    select
        case when extract(month from {{ as_of_date() }}) >= 7 then extract(year from {{ as_of_date() }})
             else extract(year from {{ as_of_date() }}) - 1 end as basis_year

),

pairs as (  -- both directions of each pair

    select a.year, a.product_line_a as have_line, a.product_line_b as suggest_line,
           a.confidence_a_to_b as confidence, a.lift, a.pair_count
    from {{ ref('fct_product_affinity') }} as a
    inner join basis as b on a.year = b.basis_year
    where a.scope = 'order' and a.item_level = 'product_line'
    union all
    select a.year, a.product_line_b, a.product_line_a, a.confidence_b_to_a, a.lift, a.pair_count
    from {{ ref('fct_product_affinity') }} as a
    inner join basis as b on a.year = b.basis_year
    where a.scope = 'order' and a.item_level = 'product_line'

),

lines as (

    select customer_id, product_line, order_date, net_amount
    from {{ ref('int_order_lines_enriched') }}
    where is_creditable and customer_id is not null and product_line is not null

),

bought_recently as (

    select customer_id, product_line, sum(net_amount) as net_amount_12m
    from lines
    where order_date > {{ plus_days(as_of_date(), -365) }}
    group by customer_id, product_line

),

candidates as (

    select
        r.customer_id,
        p.suggest_line,
        p.have_line,
        p.confidence,
        p.lift,
        p.year,
        row_number() over (
            partition by r.customer_id, p.suggest_line order by p.confidence desc, p.lift desc, p.have_line
        ) as best_reason
    from bought_recently as r
    inner join pairs as p on p.have_line = r.product_line
    cross join settings as cfg
    left join bought_recently as e on e.customer_id = r.customer_id and e.product_line = p.suggest_line
    where e.customer_id is null and p.lift >= cfg.cross_sell_min_lift

),

ranked as (

    select
        c.*,
        row_number() over (partition by c.customer_id order by c.confidence desc, c.lift desc, c.suggest_line)
            as suggestion_rank
    from candidates as c
    where c.best_reason = 1

),

customers as (

    select customer_id, customer_name, owner_rep_id, region, segment from {{ ref('stg_raw__customers') }}

),

recent_totals as (

    select customer_id, sum(net_amount_12m) as net_amount_12m from bought_recently group by customer_id

)

select
    r.customer_id,
    c.customer_name,
    c.owner_rep_id,
    c.region,
    c.segment,
    cast(r.suggestion_rank as integer) as suggestion_rank,
    r.suggest_line as suggested_product_line,
    r.have_line as because_of_product_line,
    r.confidence,
    r.lift,
    cast(r.year as integer) as basis_year,
    t.net_amount_12m as customer_net_amount_12m
from ranked as r
cross join settings as cfg
left join customers as c on c.customer_id = r.customer_id
left join recent_totals as t on t.customer_id = r.customer_id
where r.suggestion_rank <= cfg.cross_sell_per_customer
