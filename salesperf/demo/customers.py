"""Customers (GBK CSV with CRLF, Chinese headers, dates like 2025/3/5): ~25 accounts per seller, hand-overs
when a seller leaves, churn."""

from __future__ import annotations

import csv
import io

import pyarrow as pa

from ingestion.entities import ENTITIES
from salesperf.demo.company import REGIONS, Run
from salesperf.demo.writers import date_sql, load_table, scalar, sql_list

_CITIES = {
    "华东": ("上海", "杭州", "南京", "苏州", "宁波", "合肥", "济南", "青岛", "无锡", "福州"),
    "华南": ("广州", "深圳", "东莞", "佛山", "厦门", "南宁", "海口", "珠海"),
    "华北": ("北京", "天津", "石家庄", "太原", "呼和浩特", "唐山", "保定"),
    "华中": ("武汉", "长沙", "郑州", "南昌", "宜昌", "洛阳"),
    "西南": ("成都", "重庆", "昆明", "贵阳", "绵阳", "遵义"),
}

_INDUSTRIES = (
    "电力",
    "水务",
    "燃气",
    "石油化工",
    "冶金",
    "汽车制造",
    "电子制造",
    "食品饮料",
    "制药",
    "市政",
    "轨道交通",
    "数据中心",
)

_BRAND_1 = (
    "华",
    "瑞",
    "恒",
    "金",
    "宏",
    "信",
    "博",
    "中",
    "新",
    "安",
    "永",
    "海",
    "天",
    "鼎",
    "盛",
    "泰",
    "科",
    "远",
    "德",
    "嘉",
    "联",
    "创",
    "合",
    "隆",
    "兴",
    "和",
    "通",
    "明",
    "达",
    "润",
)

_BRAND_2 = (
    "丰",
    "通",
    "达",
    "源",
    "泰",
    "宇",
    "诚",
    "信",
    "科",
    "能",
    "盛",
    "航",
    "鑫",
    "辉",
    "凯",
    "祥",
    "晟",
    "力",
    "成",
    "光",
    "远",
    "华",
    "益",
    "康",
    "腾",
    "瑞",
    "业",
    "拓",
    "峰",
    "安",
)


def write_customers(run: Run) -> int:
    con, as_of, start = run.con, run.as_of, run.start
    n_sellers = int(scalar(run, "SELECT count(*) FROM sellers"))
    n_customers = 25 * n_sellers
    city_rows = [(r, i, c) for r, cities in _CITIES.items() for i, c in enumerate(cities)]
    load_table(
        run,
        "cities",
        {
            "region": [r for r, _, _ in city_rows],
            "idx": [i for _, i, _ in city_rows],
            "city": [c for _, _, c in city_rows],
        },
        {"idx": pa.int64()},
    )
    # Each seller owns ~25 accounts. The first five per seller ("base accounts") existed before the
    # seller's hire month and never churn, so every active seller always has someone to sell to.
    con.execute(f"""
        CREATE TABLE cust_raw AS
        SELECT c AS cidx, s.rep_id AS orig_owner, s.team AS orig_team, s.termination_date AS orig_term,
               c // {n_sellers} < 5 AS is_base,
               CASE WHEN c // {n_sellers} >= 5 AND rnd(c, 'xregion') < 0.05
                    THEN list_extract({sql_list(REGIONS)}, 1 + pick(c, 'region', {len(REGIONS)}))
                    ELSE s.region END AS region,
               CASE WHEN c // {n_sellers} < 5
                    THEN date_trunc('month', s.hire_date)::DATE - 1 - pick(c, 'created', 1800)::INTEGER
                    ELSE greatest(s.hire_date, {date_sql(start)} - 1500) + pick(c, 'created',
                         coalesce(s.termination_date, {date_sql(as_of)})
                         - greatest(s.hire_date, {date_sql(start)} - 1500))::INTEGER END AS created_date,
               CASE WHEN rnd(c, 'segment') < 0.05 THEN '战略' WHEN rnd(c, 'segment') < 0.25 THEN '重点'
                    ELSE '普通' END AS segment
        FROM range({n_customers}) t(c) JOIN sellers s ON s.seller_idx = c % {n_sellers}
    """)
    # A leaver's accounts pass to a colleague who stays (same team first, else same region).
    con.execute("""
        CREATE TABLE successor AS
        SELECT l.rep_id AS leaver, c.rep_id AS successor
        FROM sellers l JOIN sellers c ON c.region = l.region AND c.rep_id <> l.rep_id
             AND c.termination_date IS NULL AND c.hire_date <= l.termination_date - 30
        WHERE l.termination_date IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY l.rep_id
                                   ORDER BY (c.team = l.team) DESC, rnd(l.rep_id || c.rep_id, 'succ'),
                                            c.rep_id) = 1
    """)
    con.execute(f"""
        CREATE TABLE customers AS
        SELECT printf('C%06d', row_number() OVER (ORDER BY created_date, cidx)) AS customer_id,
               k.*, ci.city, s.successor,
               CASE WHEN orig_term IS NOT NULL AND s.successor IS NOT NULL THEN s.successor
                    ELSE orig_owner END AS owner_rep_id,
               list_extract({sql_list(_INDUSTRIES)}, 1 + pick(cidx, 'industry', {len(_INDUSTRIES)}))
                   AS industry,
               CASE segment WHEN '战略' THEN 4.0 WHEN '重点' THEN 2.0 ELSE 1.0 END AS weight,
               CASE segment WHEN '战略' THEN 2.5 WHEN '重点' THEN 1.5 ELSE 1.0 END AS qty_mult,
               -- ~18% of non-base accounts churn: they stop ordering after churn_date (not exported)
               CASE WHEN NOT is_base AND rnd(cidx, 'churn') < 0.18
                         AND created_date + 200 + pick(cidx, 'churn_at', 1200)::INTEGER < {date_sql(as_of)}
                    THEN created_date + 200 + pick(cidx, 'churn_at', 1200)::INTEGER END AS churn_date
        FROM cust_raw k
        JOIN (SELECT region, count(*) AS n FROM cities GROUP BY region) nc USING (region)
        JOIN cities ci ON ci.region = k.region AND ci.idx = pick(k.cidx, 'city', nc.n)
        LEFT JOIN successor s ON s.leaver = k.orig_owner
    """)
    name = (
        f"city || list_extract({sql_list(_BRAND_1)}, 1 + pick(cidx, 'b1', {len(_BRAND_1)}))"
        f" || list_extract({sql_list(_BRAND_2)}, 1 + pick(cidx, 'b2', {len(_BRAND_2)}))"
        " || industry || list_extract(['科技', '设备', '工程', '集团', '实业'], 1 + pick(cidx, 'sfx', 5))"
        " || '有限公司'"
    )
    rows = con.execute(f"""
        SELECT customer_id, {name}, industry, segment, region, city, owner_rep_id,
               strftime(created_date, '%Y/%-m/%-d')
        FROM customers ORDER BY customer_id
    """).fetchall()
    # Written through Python: DuckDB's COPY only writes UTF-8, and a legacy CRM exports GBK with CRLF.
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.aliases[0] for c in ENTITIES["customers"].columns])
    writer.writerows(rows)
    (run.out_dir / "customers" / "customers.csv").write_bytes(buf.getvalue().encode("gbk"))
    run.progress(f"customers: {len(rows):,}")
    return len(rows)
