"""Writes landing/erp/销售台账2025.xlsx, the example workbook (run: python examples/erp_workbook/make_workbook.py).

Shaped like a small distributor's ERP ledger export: a cover sheet, then order lines, returns and people, each
sheet with its own title row above the headers. The orders name the salesperson by name (the ERP's habit), the
people sheet has no hire date column and one person without a region, two orders are 待审核 / 有争议."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).resolve().parent / "landing" / "erp" / "销售台账2025.xlsx"

ORDERS = [  # 单据编号, 行号, 单据日期, 客户编码, 客户名称, 销售员, 物料编码, 数量, 含税单价, 折扣额, 单据状态
    ("XS2025-001", 1, dt.date(2025, 1, 8), "K001", "华东五金", "王芳", "M-100", 10, 120.5, 0, "已完成"),
    ("XS2025-001", 2, dt.date(2025, 1, 8), "K001", "华东五金", "王芳", "M-200", 2, 980, 60, "已完成"),
    ("XS2025-002", 1, dt.date(2025, 1, 20), "K002", "北方机电", "李强", "M-100", 5, 118, 0, "已完成"),
    ("XS2025-003", 1, dt.date(2025, 2, 3), "K003", "南粤贸易", "陈静", "M-300", 1, 15800, 800, "已完成"),
    ("XS2025-004", 1, dt.date(2025, 2, 14), "K002", "北方机电", "李强", "M-200", 3, 990, 0, "待审核"),
    ("XS2025-005", 1, dt.date(2025, 2, 27), "K001", "华东五金", "王芳", "M-300", 1, 16000, 0, "有争议"),
    ("XS2025-006", 1, dt.date(2025, 3, 5), "K003", "南粤贸易", "陈静", "M-100", 20, 115, 100, "已作废"),
]
RETURNS = [  # 退货单号, 原单号, 行号, 退货日期, 退货数量, 退货金额, 退货原因
    ("TH2025-01", "XS2025-001", 1, dt.date(2025, 2, 10), 2, 241, "包装破损"),
    ("TH2025-02", "XS2025-003", None, dt.date(2025, 3, 1), None, 1500, "价格折让"),
]
PEOPLE = [  # 工号, 姓名, 大区, 部门, 职务, 邮箱 (no hire date column: hire_date is optional)
    ("E01", "王芳", "华东", "华东一组", "销售代表", "wangfang@example.cn"),
    ("E02", "李强", "华北", "华北一组", "销售代表", "liqiang@example.cn"),
    ("E03", "陈静", None, None, "销售代表", "chenjing@example.cn"),
    ("E09", "赵经理", "华东", None, "区域经理", "zhao@example.cn"),
]


def main() -> None:
    wb = Workbook()
    cover = wb.active
    cover.title = "说明"
    cover.append(["销售台账 2025 年 1-3 月"])
    cover.append(["导出时间", "2025-03-31 18:00"])
    sheets = [
        (
            "订单明细",
            "销售订单明细",
            [
                "单据编号",
                "行号",
                "单据日期",
                "客户编码",
                "客户名称",
                "销售员",
                "物料编码",
                "数量",
                "含税单价",
                "折扣额",
                "单据状态",
            ],
            ORDERS,
        ),
        ("退货", "销售退货单", ["退货单号", "原单号", "行号", "退货日期", "退货数量", "退货金额", "退货原因"], RETURNS),
        ("人员", "销售人员名单", ["工号", "姓名", "大区", "部门", "职务", "邮箱"], PEOPLE),
    ]
    for name, title, header, rows in sheets:
        ws = wb.create_sheet(name)
        ws.append([title])
        ws.append(header)
        for row in rows:
            ws.append(list(row))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    wb.save(OUT)
    print(OUT)


if __name__ == "__main__":
    main()
