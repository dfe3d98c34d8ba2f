"""Every string the report shows, in Chinese (the default) and English: one table, embedded in the page.

The page switches language client-side (the 中文 / English button) from this table; the language a report
opens in is the `locale` argument, else `SALESPERF_LOCALE`, else Chinese.
"""

from __future__ import annotations

import os

LOCALES = ("zh", "en")
DEFAULT_LOCALE = "zh"

# key -> (中文, English)
LABELS: dict[str, tuple[str, str]] = {
    # page
    "report_title": ("销售业绩经营报告", "Sales performance report"),
    "as_of": ("数据截至", "Data as of"),
    "published_at": ("仓库发布于", "Warehouse published"),
    "source_file": ("数据文件", "Data file"),
    "filter_period": ("期间", "Period"),
    "filter_region": ("区域", "Region"),
    "all_regions": ("全部区域", "All regions"),
    "language": ("English", "中文"),
    "no_data": ("所选期间和区域没有数据", "No data for the selected period and region"),
    "not_filtered_region": ("不随区域筛选", "Not filtered by region"),
    "note_funnel": (
        "每个数字计入事件发生的期间：进入阶段、离开阶段、成交或输单",
        "Each figure counts in the period its event happened: reaching, leaving, winning or losing",
    ),
    "note_pipeline": (
        "期末（进行中期间：截至数据日期）的在途商机；覆盖率 = 覆盖季度内预计成交的加权商机 ÷ 该季度剩余目标",
        "Open pipeline at the period's end (open period: at the as-of date); coverage = weighted pipeline expected "
        "to close in the coverage quarter / that quarter's remaining target",
    ),
    "note_affinity": (
        "同一订单中一起购买的产品线组合（所选年度）；提升度 > 1 表示一起购买多于随机",
        "Product lines bought in the same order (the selected year); lift > 1: together more often than chance",
    ),
    "note_alert_list": (
        "每个区域风险金额最大的 200 条未关闭预警；完整清单见 fct_risk_alerts",
        "The 200 open alerts with the most money at risk in each region; the whole list is fct_risk_alerts",
    ),
    "note_alert_digest": (
        "每位经理名下未关闭的预警（新增或持续），按风险金额排序，最多 10 条（alerts.digest.max_per_manager）；"
        "不随期间筛选，按经理所在区域筛选",
        "Each manager's open alerts (new or ongoing) by money at risk, at most 10 (alerts.digest.max_per_manager); "
        "as of the data date, not filtered by period; the region filter picks the managers of that region",
    ),
    "shows_first": (
        "图中显示前 {n} 项（共 {total} 项），表格列出全部",
        "Chart shows {n} of {total}; the table lists all",
    ),
    "table_of": ("数据表：", "Data: "),
    "omitted_title": ("未包含的内容", "Not included"),
    "omitted_missing": (
        "数据仓库中还没有 {marts}：此部分在该数据表上线后自动出现",
        "{marts} not in the published file yet: this part appears once that mart lands",
    ),
    "omitted_error": (
        "{marts} 的列与报告预期不符，已跳过：{error}",
        "{marts} does not have the columns the report expects, skipped: {error}",
    ),
    "noscript": (
        "此报告需要启用 JavaScript 才能显示图表和表格。",
        "This report needs JavaScript to draw its charts and tables.",
    ),
    "footer": (
        "静态报告，不联网，可离线打开和邮件发送。图表：Apache ECharts {version}（Apache-2.0 许可）。",
        "Static report: no network access, opens offline, can be e-mailed. "
        "Charts: Apache ECharts {version} (Apache-2.0).",
    ),
    "interval_note": (
        "期末预测 = 已结束月份的实际 + 其余月份的预测；区间为各月区间上下限之和（偏保守）。",
        "Period-end forecast = actuals of complete months + forecasts of the rest; "
        "the interval sums the months' bounds (conservative).",
    ),
    # sections
    "sec_company": ("公司总览", "Company"),
    "sec_org": ("区域、团队与销售", "Regions, teams and reps"),
    "sec_products": ("产品线", "Product lines"),
    "sec_process": ("销售过程与风险", "Sales process and risk"),
    "sec_collections": ("回款与应收", "Collections and receivables"),
    "sec_commissions": ("佣金（财务视图）", "Commissions (finance view)"),
    # blocks
    "blk_kpi_period": ("所选期间", "Selected period"),
    "blk_kpi_year": ("年度累计", "Year to date"),
    "blk_trend": (
        "月度趋势：实际、目标、预测区间、去年同期",
        "Monthly trend: actual, target, forecast band, last year",
    ),
    "blk_region_att": ("区域目标达成率", "Attainment by region"),
    "blk_team_att": ("团队目标达成率", "Attainment by team"),
    "blk_rep_att": ("销售目标达成率（落后者在前）", "Attainment by rep (furthest behind first)"),
    "blk_leaderboard": ("销售排行榜与 KPI 记分卡", "Leaderboard and KPI scorecard"),
    "blk_region_change": ("区域环比 / 同比", "Regions: period on period and year on year"),
    "blk_team_change": ("团队环比 / 同比", "Teams: period on period and year on year"),
    "blk_fairness": ("目标公平性：销售达成率分布", "Target fairness: spread of rep attainment"),
    "blk_difficulty": ("目标难度（相对同级中位数）", "Target difficulty (against the peer median)"),
    "blk_mix": ("产品线销售构成", "Product line mix"),
    "blk_pl_growth": ("产品线增长", "Product line growth"),
    "blk_pl_att": ("产品线目标达成", "Product line attainment"),
    "blk_affinity": ("产品关联组合", "Product association pairs"),
    "blk_funnel": ("销售漏斗", "Sales funnel"),
    "blk_pipeline": ("商机覆盖率", "Pipeline coverage"),
    "blk_visits": ("拜访与活动", "Visits and activities"),
    "blk_win_by_source": ("按线索来源的赢单率", "Win rate by lead source"),
    "blk_alerts": ("销售风险预警", "Risk alerts"),
    "blk_alert_list": ("预警明细", "Alert list"),
    "blk_alert_digest": ("各经理的预警清单（按风险金额）", "Each manager's alert digest (by money at risk)"),
    "blk_collections": ("回款", "Collections"),
    "blk_receivables": ("应收账龄", "Receivables aging"),
    "blk_payable": ("应付佣金（按期间和区域）", "Commission payable by period and region"),
    "blk_top_earners": ("佣金最高的销售", "Top earners"),
    "blk_effective_rate": ("有效佣金率（按区域）", "Effective commission rate by region"),
    "blk_restatements": ("已关账期间的重述", "Restatements of closed periods"),
    # fields
    "period": ("期间", "Period"),
    "month": ("月份", "Month"),
    "region": ("区域", "Region"),
    "team": ("团队", "Team"),
    "rep": ("销售", "Rep"),
    "rep_id": ("销售编号", "Rep id"),
    "product_line": ("产品线", "Product line"),
    "actual": ("实际", "Actual"),
    "target": ("目标", "Target"),
    "stretch": ("挑战目标", "Stretch target"),
    "attainment": ("达成率", "Attainment"),
    "projected_attainment": ("预计达成率（按工作日进度）", "Projected attainment (run rate)"),
    "gap": ("差额", "Gap"),
    "run_rate": ("按工作日推算期末", "Run-rate to period end"),
    "workdays_left": ("剩余工作日", "Workdays left"),
    "workdays": ("工作日", "Workdays"),
    "forecast": ("预测", "Forecast"),
    "forecast_end": ("期末预测", "Forecast at period end"),
    "forecast_lower": ("预测下限", "Forecast lower bound"),
    "forecast_upper": ("预测上限", "Forecast upper bound"),
    "forecast_band": ("预测区间", "Forecast interval"),
    "last_year": ("去年同期", "Last year"),
    "status": ("状态", "Status"),
    "total_score": ("综合得分", "Total score"),
    "rank_in_region": ("区域排名", "Rank in region"),
    "rank_in_team": ("团队排名", "Rank in team"),
    "pop_change": ("环比", "Period on period"),
    "yoy_change": ("同比", "Year on year"),
    "previous_base": ("上期基数", "Previous period base"),
    "last_year_base": ("去年同期基数", "Last year base"),
    "reps_with_target": ("有目标的销售数", "Reps with a target"),
    "share_at_target": ("达成 100% 的比例", "Share at or above 100%"),
    "median_attainment": ("达成率中位数", "Median attainment"),
    "p10": ("P10", "P10"),
    "p25": ("P25", "P25"),
    "p75": ("P75", "P75"),
    "p90": ("P90", "P90"),
    "gini": ("基尼系数", "Gini"),
    "difficulty_ratio": ("目标 / 去年实际", "Target / last year's actual"),
    "relative_difficulty": ("相对难度", "Relative difficulty"),
    "assessment": ("本期判断", "This period"),
    "difficulty_flag": ("持续偏难/偏易", "Persistently harder/easier"),
    "share": ("占比", "Share"),
    "alert_type": ("预警类型", "Alert type"),
    "severity": ("级别", "Severity"),
    "alerts": ("预警数", "Alerts"),
    "entity": ("对象", "Entity"),
    "details": ("说明", "Details"),
    "money_at_risk": ("风险金额", "Money at risk"),
    "detected_on": ("发现日期", "Detected on"),
    "first_detected_on": ("首次发现", "First detected"),
    "manager": ("经理", "Manager"),
    "open_alerts": ("未关闭预警", "open alerts"),
    "reason": ("原因", "Reason"),
    "rank": ("排名", "Rank"),
    "payable": ("应付佣金", "Payable"),
    "measure": ("考核业绩", "Measure"),
    "effective_rate": ("有效佣金率", "Effective rate"),
    "statements": ("结算单数", "Statements"),
    "plan": ("方案", "Plan"),
    "before_payable": ("关账时应付", "Payable when closed"),
    "after_payable": ("重算后应付", "Payable recomputed"),
    "open_difference": ("待补记差额", "Difference to book"),
    "changed_rows": ("变动的来源行", "Changed source rows"),
    "stage": ("阶段", "Stage"),
    "opportunities": ("商机数", "Opportunities"),
    "amount": ("金额", "Amount"),
    "pipeline": ("商机金额", "Pipeline"),
    "coverage": ("覆盖率", "Coverage"),
    "visits": ("拜访次数", "Visits"),
    "activities": ("活动次数", "Activities"),
    "pair": ("组合", "Pair"),
    "pair_count": ("共同购买次数", "Bought together"),
    "entered": ("进入阶段的商机", "Deals reaching the stage"),
    "conversion": ("阶段转化率", "Stage conversion"),
    "to_win": ("阶段赢单率", "Stage-to-win rate"),
    "median_days": ("阶段停留天数（中位数）", "Median days in stage"),
    "source": ("线索来源", "Lead source"),
    "won": ("赢单", "Won"),
    "lost": ("输单", "Lost"),
    "win_rate": ("赢单率", "Win rate"),
    "won_amount": ("赢单金额", "Won amount"),
    "won_deals": ("赢单数", "Deals won"),
    "open_deals": ("在途商机", "Open deals"),
    "weighted": ("加权商机金额", "Weighted pipeline"),
    "coverage_period": ("覆盖季度", "Coverage quarter"),
    "slipped": ("延期商机", "Slipped"),
    "stalled": ("停滞商机", "Stalled"),
    "visit_to_order": ("拜访转化率（30天内下单）", "Visit-to-order (30 days)"),
    "support": ("支持度", "Support"),
    "confidence": ("置信度", "Confidence"),
    "lift": ("提升度", "Lift"),
    "collected": ("已回款", "Collected"),
    "invoiced": ("应收（开票）", "Invoiced"),
    "sales": ("销售额", "Sales"),
    "open_amount": ("未回款金额", "Open amount"),
    "orders": ("订单数", "Orders"),
    "collection_rate": ("回款率", "Collection rate"),
    "aging_bucket": ("账龄", "Aging"),
    "company": ("全公司", "Company"),
    # values
    "v_closed": ("已结束", "closed"),
    "v_open": ("进行中", "open"),
    "v_future": ("未开始", "future"),
    "v_new": ("新增", "new"),
    "v_ongoing": ("持续", "ongoing"),
    "v_high": ("高", "high"),
    "v_medium": ("中", "medium"),
    "v_harder": ("偏难", "harder"),
    "v_easier": ("偏易", "easier"),
    "v_in_line": ("持平", "in line"),
    "v_customer_churn_risk": ("客户流失风险", "Customer churn risk"),
    "v_cancellation_spike": ("取消订单激增", "Cancellation spike"),
    "v_attainment_at_risk": ("目标达成风险", "Attainment at risk"),
    "v_visit_drop": ("拜访量下降", "Visit drop"),
    "v_thin_pipeline": ("商机储备不足", "Thin pipeline"),
    "v_overdue_receivable": ("回款逾期", "Overdue receivable"),
    "v_stalled_deal": ("商机停滞", "Stalled deal"),
    "v_opportunity": ("商机", "opportunity"),
    "v_overdue_pipeline": ("商机逾期未成交", "Overdue pipeline"),
    "v_customer": ("客户", "customer"),
    "v_product_line": ("产品线", "product line"),
    "kpi_sales_attainment": ("销售达成", "Sales attainment"),
    "kpi_sales_growth_yoy": ("同比增长", "Growth YoY"),
    "kpi_sales_growth_pop": ("环比增长", "Growth PoP"),
    "kpi_customer_satisfaction": ("客户满意度", "Customer satisfaction"),
    "kpi_new_customers": ("新客户", "New customers"),
    "kpi_visits": ("拜访", "Visits"),
    "kpi_win_rate": ("赢单率", "Win rate"),
    "kpi_collection_rate": ("回款率", "Collection rate"),
    "kpi_gross_margin": ("毛利", "Gross margin"),
}


def label_table() -> dict[str, dict[str, str]]:
    """{key: {"zh": ..., "en": ...}}, the form embedded in the page."""
    return {key: dict(zip(LOCALES, texts, strict=True)) for key, texts in LABELS.items()}


def text(key: str, locale: str) -> str:
    return LABELS[key][LOCALES.index(locale)]


def resolve_locale(locale: str | None = None) -> str:
    """The explicit argument, else SALESPERF_LOCALE, else Chinese; `zh_CN`, `en-US` and the like are accepted."""
    raw = (locale or os.environ.get("SALESPERF_LOCALE") or DEFAULT_LOCALE).strip().lower()
    short = raw.replace("-", "_").split("_")[0].split(".")[0]
    if short not in LOCALES:
        raise ValueError(f"report locale must be one of {', '.join(LOCALES)} (SALESPERF_LOCALE), found {raw!r}")
    return short
