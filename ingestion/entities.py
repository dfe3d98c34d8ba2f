"""The landing contract (docs/contract.md section 2) as data: one spec per entity.

Everything that reads, validates or generates exports works from these specs, so a column is named,
typed and aliased in exactly one place. `raw.<entity>` in the build database has the canonical columns
below, typed as `SQL_TYPES[kind]`, followed by the lineage columns in `LINEAGE_COLUMNS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column kinds and the DuckDB type each is stored as in raw.<entity>.
SQL_TYPES: dict[str, str] = {
    "id": "VARCHAR",  # trimmed text key; numeric-looking ids keep their text form ("001" stays "001")
    "text": "VARCHAR",
    "date": "DATE",  # ISO, 2025/3/5, 2025年3月5日, with or without time, Excel serial numbers
    "timestamp": "TIMESTAMP",
    # Amounts keep the file's digits (never rounded at ingestion; money is rounded to the cent once, where it is
    # reported or paid: docs/commissions.md "Rounding"). Six decimals in a 64-bit DECIMAL: ERPs write 2 or 4
    # (SQL Server's money type: AdventureWorks' discounts), unit prices sometimes more; digits beyond the 6th
    # are spreadsheet float noise (0.30000000000000004) and round away. ±10^12 per value.
    "money": "DECIMAL(18,6)",  # 1,234.50 / ¥1,234 / ￥1,234 / 1.2万
    "price": "DECIMAL(18,6)",
    "quantity": "DECIMAL(18,4)",
    "fraction": "DECIMAL(12,6)",  # 0.5 or 50%
    "number": "DOUBLE",
    "integer": "INTEGER",
}

# Lineage columns appended to every raw table, in this order.
LINEAGE_COLUMNS: dict[str, str] = {
    "_source_file": "VARCHAR",  # path relative to the landing folder, e.g. orders/2025-03.csv
    "_source_row": "BIGINT",  # spreadsheet-style row number: header is row 1, first data row is row 2
    "_file_seq": "BIGINT",  # ingestion order of the file (audit.ingested_files.file_seq); later wins
    "_ingested_at": "TIMESTAMP",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    required: bool = False
    default: str | None = None  # SQL literal applied when the cell is blank
    allowed: tuple[str, ...] = ()  # allowed values after value mapping (lower-case)
    aliases: tuple[str, ...] = ()  # header labels that mean this column (Chinese CRM/ERP labels etc.)

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.kind]


@dataclass(frozen=True)
class Entity:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # business key; a later row with the same key replaces an earlier one
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> {label: canonical}

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def _c(
    name: str,
    kind: str,
    *aliases: str,
    required: bool = False,
    default: str | None = None,
    allowed: tuple[str, ...] = (),
) -> Column:
    return Column(name, kind, required, default, allowed, aliases)


# Order statuses (docs/contract.md section 2): completed, cancelled, pending (on hold, in process, awaiting
# approval: not creditable until completed), disputed (contested by the customer: not creditable either).
_STATUS_MAP = {
    "已完成": "completed",
    "完成": "completed",
    "已成交": "completed",
    "completed": "completed",
    "已取消": "cancelled",
    "取消": "cancelled",
    "作废": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
    "void": "cancelled",
    "voided": "cancelled",
    "已作废": "cancelled",
    "pending": "pending",
    "on hold": "pending",
    "on-hold": "pending",
    "hold": "pending",
    "in process": "pending",
    "in progress": "pending",
    "processing": "pending",
    "open": "pending",
    "awaiting approval": "pending",
    "pending approval": "pending",
    "待审核": "pending",
    "审核中": "pending",
    "待审批": "pending",
    "审批中": "pending",
    "处理中": "pending",
    "进行中": "pending",
    "执行中": "pending",
    "挂起": "pending",
    "暂停": "pending",
    "待发货": "pending",
    "未完成": "pending",
    "disputed": "disputed",
    "dispute": "disputed",
    "in dispute": "disputed",
    "contested": "disputed",
    "争议": "disputed",
    "有争议": "disputed",
    "争议中": "disputed",
    "异议": "disputed",
    "客户异议": "disputed",
    "complete": "completed",
}
_ROLE_MAP = {
    "销售": "rep",
    "销售代表": "rep",
    "业务员": "rep",
    "rep": "rep",
    "经理": "manager",
    "销售经理": "manager",
    "manager": "manager",
    "总监": "director",
    "销售总监": "director",
    "director": "director",
}
_OPP_STATUS_MAP = {
    "进行中": "open",
    "跟进中": "open",
    "open": "open",
    "赢单": "won",
    "已成交": "won",
    "won": "won",
    "输单": "lost",
    "丢单": "lost",
    "lost": "lost",
}
_LEVEL_MAP = {
    "公司": "company",
    "company": "company",
    "区域": "region",
    "大区": "region",
    "region": "region",
    "团队": "team",
    "team": "team",
    "销售员": "rep",
    "个人": "rep",
    "rep": "rep",
    "产品线": "product_line",
    "product_line": "product_line",
}

ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in [
        Entity(
            "reps",
            (
                _c("rep_id", "id", "销售员编号", "业务员编号", "员工编号", "工号", required=True),
                _c("rep_name", "text", "销售员", "销售员姓名", "姓名", "员工姓名"),
                _c("email", "text", "邮箱", "电子邮箱"),
                # optional: blank -> 未分配 (unassigned) in staging, flagged (region_is_default)
                _c("region", "text", "区域", "大区", "所属区域"),
                _c("team", "text", "团队", "销售团队", "所属团队"),
                _c("manager_id", "id", "上级编号", "经理编号", "直属上级"),
                _c("role", "text", "角色", "职位", default="'rep'", allowed=("rep", "manager", "director")),
                # optional: blank -> ramp and proration from the first plan assignment, flagged
                _c("hire_date", "date", "入职日期"),
                _c("termination_date", "date", "离职日期"),
            ),
            key=("rep_id",),
            value_maps={"role": _ROLE_MAP},
        ),
        Entity(
            "customers",
            (
                _c("customer_id", "id", "客户编号", "客户代码", required=True),
                _c("customer_name", "text", "客户名称", "客户"),
                _c("industry", "text", "行业", "所属行业"),
                _c("segment", "text", "客户分级", "客户类型", "细分市场"),
                _c("region", "text", "区域", "大区", "所属区域"),
                _c("city", "text", "城市"),
                _c("owner_rep_id", "id", "负责人编号", "负责销售编号", "销售员编号"),
                _c("created_date", "date", "创建日期", "建档日期"),
            ),
            key=("customer_id",),
        ),
        Entity(
            "products",
            (
                _c("product_id", "id", "产品编号", "物料编号", "产品代码", required=True),
                _c("product_name", "text", "产品名称", "物料名称"),
                _c("product_line", "text", "产品线", required=True),
                _c("category", "text", "产品类别", "类别"),
                _c("list_price", "price", "标准价", "目录价", "指导价"),
                _c("unit_cost", "price", "单位成本", "成本价", "成本"),
                _c("launch_date", "date", "上市日期", "发布日期"),
            ),
            key=("product_id",),
        ),
        Entity(
            "orders",
            (
                _c("order_id", "id", "订单编号", "订单号", "单据编号", required=True),
                _c("line_no", "integer", "行号", "明细行号", "序号", default="1"),
                _c("order_date", "date", "下单日期", "订单日期", "单据日期", required=True),
                _c("customer_id", "id", "客户编号", "客户代码", required=True),
                _c("rep_id", "id", "销售员编号", "业务员编号", "员工编号", required=True),
                _c("product_id", "id", "产品编号", "物料编号", "产品代码", required=True),
                _c("quantity", "quantity", "数量", "销售数量", required=True),
                _c("unit_price", "price", "单价", "销售单价", "含税单价", required=True),
                _c("discount_amount", "money", "折扣金额", "折扣", "优惠金额", default="0"),
                _c("currency", "text", "币种", "货币", default="'CNY'"),
                _c(
                    "status",
                    "text",
                    "状态",
                    "订单状态",
                    default="'completed'",
                    allowed=("completed", "cancelled", "pending", "disputed"),
                ),
                _c("cancelled_date", "date", "取消日期", "作废日期"),
                _c("updated_at", "timestamp", "更新时间", "最后修改时间", "修改时间"),
            ),
            key=("order_id", "line_no"),
            value_maps={"status": _STATUS_MAP},
        ),
        Entity(
            "returns",
            (
                _c("return_id", "id", "退货单号", "退货编号", "红字发票号", required=True),
                _c("order_id", "id", "订单编号", "原订单编号", "订单号", required=True),
                _c("line_no", "integer", "行号", "明细行号"),
                _c("return_date", "date", "退货日期", required=True),
                _c("quantity", "quantity", "退货数量", "数量"),
                _c("amount", "money", "退货金额", "金额", required=True),
                _c("reason", "text", "退货原因", "原因"),
            ),
            key=("return_id",),
        ),
        Entity(
            "payments",
            (
                _c("payment_id", "id", "回款单号", "回款编号", "收款单号", required=True),
                _c("order_id", "id", "订单编号", "订单号"),
                _c("customer_id", "id", "客户编号", "客户代码", required=True),
                _c("payment_date", "date", "回款日期", "收款日期", required=True),
                _c("amount", "money", "回款金额", "金额", "收款金额", required=True),
            ),
            key=("payment_id",),
        ),
        Entity(
            "credit_splits",
            (
                _c("order_id", "id", "订单编号", "订单号", required=True),
                _c("rep_id", "id", "销售员编号", "业务员编号", required=True),
                _c("split_pct", "fraction", "分配比例", "业绩比例", "分成比例", required=True),
                # Issue 18 item 6: revenue splits share the order (they should total 100%), overlays come on
                # top; several rows of one rep on one order add up (docs/commissions.md "Credit splits").
                _c(
                    "split_type",
                    "text",
                    "分配类型",
                    "业绩类型",
                    "分成类型",
                    default="'revenue'",
                    allowed=("revenue", "overlay"),
                ),
            ),
            key=("order_id", "rep_id", "split_type"),
            value_maps={
                "split_type": {
                    "收入": "revenue",
                    "业绩": "revenue",
                    "主分配": "revenue",
                    "叠加": "overlay",
                    "附加": "overlay",
                }
            },
        ),
        Entity(
            "opportunities",
            (
                _c("opportunity_id", "id", "商机编号", "机会编号", required=True),
                _c("customer_id", "id", "客户编号", "客户代码"),
                # optional: a blank owner is an unassigned lead (counts in funnel totals, not against a rep)
                _c("owner_rep_id", "id", "负责人编号", "销售员编号"),
                _c("stage", "text", "阶段", "销售阶段", "商机阶段", required=True),
                _c("amount", "money", "商机金额", "预计金额", "金额"),
                # optional: blank -> the date the pipeline first saw the opportunity (audit.first_seen), flagged
                _c("created_date", "date", "创建日期"),
                _c("expected_close_date", "date", "预计成交日期", "预计结单日期"),
                _c("closed_date", "date", "结单日期", "成交日期", "关闭日期"),
                _c("status", "text", "状态", "商机状态", default="'open'", allowed=("open", "won", "lost")),
                _c("lost_reason", "text", "输单原因", "丢单原因"),
                _c("updated_at", "timestamp", "更新时间", "最后修改时间"),
                # Issue 13 item 4: the funnel by lead origin and by product line (docs/process_analytics.md).
                _c("source", "text", "线索来源", "商机来源", "来源", "渠道", "获客渠道", "lead_source", "channel"),
                _c("product_line", "text", "产品线", "意向产品线"),
            ),
            key=("opportunity_id",),
            value_maps={"status": _OPP_STATUS_MAP},
        ),
        # Stage history (商机阶段变更记录): one row per change of an opportunity's stage (or of its amount,
        # probability or expected close, as Salesforce's Opportunity History writes one row per save).
        # Not keyed: history rows are events; exact duplicates are rejected by the loader, and
        # stg_raw__opportunity_stages keeps one row per (opportunity, entered_at, stage).
        Entity(
            "opportunity_stages",
            (
                _c("opportunity_id", "id", "商机编号", "机会编号", required=True),
                _c("stage", "text", "阶段", "销售阶段", "商机阶段", "变更后阶段", "新阶段", required=True),
                _c("entered_at", "timestamp", "变更时间", "进入时间", "进入阶段时间", "修改时间", required=True),
                _c("amount", "money", "商机金额", "金额", "预计金额"),
                _c("probability", "fraction", "赢率", "成交概率", "赢单率", "可能性"),
                _c("changed_by", "text", "变更人", "修改人", "操作人"),
                _c("expected_close_date", "date", "预计成交日期", "预计结单日期", "预计签单日期"),
            ),
        ),
        Entity(
            "activities",
            (
                _c("activity_id", "id", "活动编号", "拜访编号", "跟进记录编号", required=True),
                _c("rep_id", "id", "销售员编号", "业务员编号", required=True),
                _c("customer_id", "id", "客户编号", "客户代码"),
                _c("opportunity_id", "id", "商机编号"),
                _c("activity_type", "text", "活动类型", "跟进方式", "拜访类型", required=True),
                _c("activity_date", "date", "活动日期", "拜访日期", "跟进日期", required=True),
                _c("duration_minutes", "number", "时长", "时长(分钟)", "时长（分钟）"),
                _c("outcome", "text", "结果", "跟进结果"),
            ),
            key=("activity_id",),
            value_maps={
                "activity_type": {
                    "拜访": "visit",
                    "上门拜访": "visit",
                    "电话": "call",
                    "会议": "meeting",
                    "演示": "demo",
                    "邮件": "email",
                }
            },
        ),
        Entity(
            "surveys",
            (
                _c("survey_id", "id", "问卷编号", "调查编号", required=True),
                _c("customer_id", "id", "客户编号", "客户代码", required=True),
                _c("rep_id", "id", "销售员编号", "业务员编号"),
                _c("survey_date", "date", "调查日期", "评价日期", required=True),
                _c("score", "number", "满意度", "评分", "得分", required=True),
                _c("comment", "text", "评价", "备注", "意见"),
            ),
            key=("survey_id",),
        ),
        Entity(
            "trainings",
            (
                _c("rep_id", "id", "销售员编号", "员工编号", required=True),
                _c("course_id", "id", "课程编号", required=True),
                _c("course_name", "text", "课程名称"),
                _c("topic", "text", "主题", "培训主题"),
                _c("completed_date", "date", "完成日期", "结业日期", required=True),
                _c("assessment_score", "number", "考核成绩", "考核分数", "成绩"),
            ),
            key=("rep_id", "course_id"),
        ),
        Entity(
            "targets",
            (
                _c("period", "text", "期间", "周期", "月份", required=True),
                _c(
                    "level",
                    "text",
                    "层级",
                    "级别",
                    "目标层级",
                    required=True,
                    allowed=("company", "region", "team", "rep", "product_line"),
                ),
                _c("key", "text", "对象", "编号", "维度值"),
                _c("target_amount", "money", "目标金额", "目标", "销售目标", required=True),
            ),
            key=("period", "level", "key"),
            value_maps={"level": _LEVEL_MAP},
        ),
        Entity(
            "adjustments",
            (
                _c("rep_id", "id", "销售员编号", "业务员编号", required=True),
                _c("period", "text", "期间", "周期", required=True),
                _c("amount", "money", "调整金额", "金额", required=True),
                _c("reason", "text", "调整原因", "原因", required=True),
            ),
        ),
    ]
}

# Optional columns that real exports often lack, with the documented default a blank cell (or a missing column)
# gets downstream and is flagged by (docs/contract.md section 2, docs/source_profiles.md); `salesperf check`
# reports each default used as a WARN with counts. (entity, column) -> what is assumed.
DOCUMENTED_DEFAULTS: dict[tuple[str, str], str] = {
    ("reps", "region"): "region 未分配 (unassigned), flagged in dim_rep.region_is_default",
    ("reps", "hire_date"): "ramp and target proration from the first plan assignment, said on the statement",
    ("opportunities", "created_date"): "the day the pipeline first saw the opportunity (audit.first_seen)",
    ("opportunities", "owner_rep_id"): "an unassigned lead: in funnel totals, not against a rep",
}

# Load order matters only for humans reading logs; every entity is independent at the raw layer.
ENTITY_NAMES: list[str] = list(ENTITIES)
