"""Product lines: mix, attainment, growth, association pairs (fct_product_affinity)."""

from __future__ import annotations

from salesperf.report.charts import Block, Chart, Field, Filters
from salesperf.report.sections import Part, Section, in_window

PRODUCT_LINES_SQL = f"""
select key, period_label, actual_amount as actual, target_amount as target, attainment_pct as attainment,
       actual_amount / nullif(sum(actual_amount) over (partition by period_type, period_start), 0) as share
from marts.fct_attainment
where level = 'product_line' and {in_window()}
order by period_start, actual_amount desc, key
"""

PERIOD = Filters(period="period_label")
NOT_REGION = ("not_filtered_region",)

# Product-line pairs bought in the same order, per year (the page's year), strongest lift first.
AFFINITY = Part(
    "affinity",
    ("fct_product_affinity",),
    """
select cast(year as varchar) as year, item_a_name || ' + ' || item_b_name as pair, pair_count, support,
       confidence_a_to_b as confidence, lift
from marts.fct_product_affinity
where scope = 'order' and item_level = 'product_line' and year between $first_year and $last_year
order by year, lift desc, pair
""",
    (
        Block(
            "affinity",
            "blk_affinity",
            "affinity",
            (
                Field("pair", "pair"),
                Field("pair_count", "pair_count", "int"),
                Field("support", "support", "pct"),
                Field("confidence", "confidence", "pct"),
                Field("lift", "lift", "score"),
            ),
            chart=Chart("hbar", "pair", ("lift",), fmt="score", mark=1.0, height=0),
            filters=Filters(year="year"),
            sort=("lift", "desc"),
            limit=15,
            notes=("note_affinity", "not_filtered_region"),
        ),
    ),
)


SECTION = Section(
    "products",
    "sec_products",
    (
        Part(
            "product_lines",
            ("fct_attainment",),
            PRODUCT_LINES_SQL,
            (
                Block(
                    "mix",
                    "blk_mix",
                    "product_lines",
                    (Field("key", "product_line"), Field("actual", "actual", "money"), Field("share", "share", "pct")),
                    chart=Chart("pie", "key", ("actual",)),
                    filters=PERIOD,
                    notes=NOT_REGION,
                ),
                Block(
                    "pl_att",
                    "blk_pl_att",
                    "product_lines",
                    (
                        Field("key", "product_line"),
                        Field("actual", "actual", "money"),
                        Field("target", "target", "money"),
                        Field("attainment", "attainment", "pct"),
                    ),
                    chart=Chart("bar", "key", ("actual", "target")),
                    filters=PERIOD,
                    sort=("actual", "desc"),
                    notes=NOT_REGION,
                ),
            ),
        ),
        Part(
            "pl_comparison",
            ("fct_sales_comparison",),
            f"""
select key, period_label, actual_amount as actual, previous_period_base_amount as previous_base,
       pop_change_pct as pop_change, last_year_base_amount as last_year_base, yoy_change_pct as yoy_change
from marts.fct_sales_comparison
where level = 'product_line' and {in_window()}
order by period_start, key
""",
            (
                Block(
                    "pl_growth",
                    "blk_pl_growth",
                    "pl_comparison",
                    (
                        Field("key", "product_line"),
                        Field("actual", "actual", "money"),
                        Field("previous_base", "previous_base", "money"),
                        Field("pop_change", "pop_change", "signed_pct"),
                        Field("last_year_base", "last_year_base", "money"),
                        Field("yoy_change", "yoy_change", "signed_pct"),
                    ),
                    chart=Chart("bar", "key", ("yoy_change", "pop_change"), fmt="signed_pct"),
                    filters=PERIOD,
                    sort=("yoy_change", "desc"),
                    notes=NOT_REGION,
                ),
            ),
        ),
        AFFINITY,
    ),
)
