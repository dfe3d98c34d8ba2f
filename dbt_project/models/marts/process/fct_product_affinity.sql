-- Product association (关联分析) per year: pairs of product lines and of products bought together.
--   scope order:  bought in the same order; baskets = the year's orders.
--   scope window: bought by the same customer within process.yml's association.window_days (90) of each other,
--                 both purchases in the year; baskets = the customers who ordered in the year.
-- support = pair_count / baskets; confidence_a_to_b = pair_count / count_a (of the baskets with a, the share
-- with b too); lift = pair_count * baskets / (count_a * count_b) (> 1: bought together more than chance).
-- Pairs below min_pair_count (10) or min_support (0.001) are left out. Bounds: int_affinity_items.
-- The window test uses each customer's purchase intervals (a purchase date d of item a covers
-- [d - w, d + w]; overlapping ones merged), so its cost grows with purchase days x items, not days squared.

with

settings as (

    select association_window_days as w, min_support, min_pair_count from {{ ref('stg_config__process_settings') }}

),

items as (

    select * from {{ ref('int_affinity_items') }} where in_scope

),

-- same order ------------------------------------------------------------------------------------------
order_baskets as (

    select year, item_level, count(distinct order_id) as baskets from items group by year, item_level

),

order_counts as (

    select year, item_level, item, count(distinct order_id) as item_count from items group by year, item_level, item

),

order_pairs as (

    select a.year, a.item_level, a.item as item_a, b.item as item_b, count(distinct a.order_id) as pair_count
    from items as a
    inner join items as b
        on b.order_id = a.order_id and b.item_level = a.item_level and b.year = a.year and b.item > a.item
    group by a.year, a.item_level, a.item, b.item

),

-- same customer within the window ---------------------------------------------------------------------
purchase_days as (

    select distinct year, item_level, item, customer_id, order_date from items

),

window_baskets as (

    select year, item_level, count(distinct customer_id) as baskets from purchase_days group by year, item_level

),

window_counts as (

    select year, item_level, item, count(distinct customer_id) as item_count
    from purchase_days
    group by year, item_level, item

),

previous_days as (

    select
        p.*,
        lag(p.order_date) over (partition by p.year, p.item_level, p.customer_id, p.item order by p.order_date)
            as previous_date
    from purchase_days as p

),

interval_starts as (  -- a purchase more than 2w days after the previous one starts a new interval

    select
        p.*,
        case when p.previous_date is not null and {{ days_from('p.previous_date', 'p.order_date') }} <= 2 * cfg.w
             then 0 else 1 end as starts_interval
    from previous_days as p
    cross join settings as cfg

),

numbered as (

    select
        *,
        sum(starts_interval) over (
            partition by year, item_level, customer_id, item order by order_date rows unbounded preceding
        ) as interval_no
    from interval_starts

),

intervals as (

    select
        n.year,
        n.item_level,
        n.customer_id,
        n.item,
        {{ plus_days('min(n.order_date)', '-max(cfg.w)') }} as covers_from,
        {{ plus_days('max(n.order_date)', 'max(cfg.w)') }} as covers_to
    from numbered as n
    cross join settings as cfg
    group by n.year, n.item_level, n.customer_id, n.item, n.interval_no

),

window_pairs as (

    select year, item_level, item_a, item_b, count(*) as pair_count
    from (
        select distinct i.year, i.item_level, i.customer_id, i.item as item_a, d.item as item_b
        from intervals as i
        inner join purchase_days as d
            on d.customer_id = i.customer_id
            and d.year = i.year
            and d.item_level = i.item_level
            and d.item > i.item
            and d.order_date between i.covers_from and i.covers_to
    ) as customer_pairs
    group by year, item_level, item_a, item_b

),

pairs as (

    select 'order' as scope, p.year, p.item_level, p.item_a, p.item_b, p.pair_count, b.baskets,
           ca.item_count as count_a, cb.item_count as count_b
    from order_pairs as p
    inner join order_baskets as b on b.year = p.year and b.item_level = p.item_level
    inner join order_counts as ca on ca.year = p.year and ca.item_level = p.item_level and ca.item = p.item_a
    inner join order_counts as cb on cb.year = p.year and cb.item_level = p.item_level and cb.item = p.item_b
    union all
    select 'window', p.year, p.item_level, p.item_a, p.item_b, p.pair_count, b.baskets,
           ca.item_count, cb.item_count
    from window_pairs as p
    inner join window_baskets as b on b.year = p.year and b.item_level = p.item_level
    inner join window_counts as ca on ca.year = p.year and ca.item_level = p.item_level and ca.item = p.item_a
    inner join window_counts as cb on cb.year = p.year and cb.item_level = p.item_level and cb.item = p.item_b

),

products as (

    select product_id, product_name, product_line from {{ ref('stg_raw__products') }}

)

select
    p.year,
    p.scope,
    p.item_level,
    p.item_a,
    p.item_b,
    case when p.item_level = 'product' then pa.product_name else p.item_a end as item_a_name,
    case when p.item_level = 'product' then pb.product_name else p.item_b end as item_b_name,
    case when p.item_level = 'product' then pa.product_line else p.item_a end as product_line_a,
    case when p.item_level = 'product' then pb.product_line else p.item_b end as product_line_b,
    cast(p.baskets as bigint) as baskets,
    cast(p.count_a as bigint) as count_a,
    cast(p.count_b as bigint) as count_b,
    cast(p.pair_count as bigint) as pair_count,
    {{ safe_ratio('p.pair_count', 'p.baskets') }} as support,
    {{ safe_ratio('p.pair_count', 'p.count_a') }} as confidence_a_to_b,
    {{ safe_ratio('p.pair_count', 'p.count_b') }} as confidence_b_to_a,
    {{ safe_ratio('p.pair_count * p.baskets', 'p.count_a * p.count_b') }} as lift,
    case when p.scope = 'window' then cfg.w end as window_days
from pairs as p
cross join settings as cfg
left join products as pa on p.item_level = 'product' and pa.product_id = p.item_a
left join products as pb on p.item_level = 'product' and pb.product_id = p.item_b
where p.pair_count >= cfg.min_pair_count
    and {{ safe_ratio('p.pair_count', 'p.baskets') }} >= cfg.min_support
