"""Products (.xlsx, Chinese headers): five product lines, one of them launched mid-history."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

import pyarrow as pa
from openpyxl import Workbook

from ingestion.entities import ENTITIES
from salesperf.demo.company import NEW_LINE, Run, uniform
from salesperf.demo.writers import deterministic_xlsx, load_table


@dataclass(frozen=True)
class _Product:
    product_id: str
    name: str
    line: str
    category: str
    list_price: float
    unit_cost: float
    launch_date: datetime.date
    weight: float  # relative popularity within the catalogue
    max_qty: int  # quantity per line is 1..max_qty, skewed towards small


_CATALOGUE: dict[str, tuple[tuple[str, ...], tuple[str, ...], float, float, int, float]] = {
    # line: (categories, model names, low list price, high list price, max qty, line weight)
    "智能仪表": (
        ("电能表", "水表", "燃气表", "热量表"),
        (
            "HT-E100 单相智能电能表",
            "HT-E300 三相智能电能表",
            "HT-E500 预付费电能表",
            "HT-W10 超声波水表",
            "HT-W20 远传水表",
            "HT-W50 大口径水表",
            "HT-G10 物联网燃气表",
            "HT-G20 工商业燃气表",
            "HT-H10 户用热量表",
            "HT-H30 楼栋热量表",
            "HT-E700 关口电能表",
            "HT-E900 多功能电能表",
            "HT-W80 电磁水表",
            "HT-G50 流量计量表",
        ),
        380,
        4800,
        20,
        0.33,
    ),
    "工业传感器": (
        ("压力传感器", "温度传感器", "流量传感器", "液位传感器"),
        (
            "PS-100 压力变送器",
            "PS-200 差压变送器",
            "PS-300 微压传感器",
            "TS-100 铂电阻温度计",
            "TS-200 热电偶",
            "TS-300 无线温度传感器",
            "FS-100 涡街流量计",
            "FS-200 电磁流量计",
            "FS-300 质量流量计",
            "LS-100 雷达液位计",
            "LS-200 超声波液位计",
            "LS-300 投入式液位计",
            "PS-400 防爆压力变送器",
            "TS-400 红外测温仪",
            "FS-400 超声波流量计",
            "LS-400 导波雷达液位计",
        ),
        150,
        2600,
        30,
        0.33,
    ),
    "控制系统": (
        ("PLC控制器", "DCS系统", "SCADA平台"),
        (
            "HC-300 小型PLC",
            "HC-500 中型PLC",
            "HC-900 冗余PLC",
            "HD-1000 DCS控制站",
            "HD-2000 DCS工程师站",
            "HS-100 SCADA标准版",
            "HS-300 SCADA企业版",
            "HC-700 运动控制器",
            "HD-3000 安全仪表系统",
            "HS-500 能源管理平台",
        ),
        9800,
        88000,
        2,
        0.07,
    ),
    "运维服务": (
        ("年度维保", "现场服务", "远程运维", "系统升级"),
        (
            "年度维保服务-标准",
            "年度维保服务-高级",
            "现场巡检服务",
            "仪表校准服务",
            "远程运维服务",
            "7x24应急响应",
            "系统升级服务",
            "数据迁移服务",
            "操作培训服务",
            "备品备件包",
        ),
        2000,
        26000,
        3,
        0.17,
    ),
    NEW_LINE: (
        ("边缘计算", "AI检测", "无线物联"),
        (
            "HE-10 边缘计算网关",
            "HE-20 工业边缘服务器",
            "HA-10 AI视觉检测仪",
            "HA-20 声纹故障诊断仪",
            "HW-10 LoRa无线传感节点",
            "HW-20 NB-IoT采集终端",
            "HE-30 数字孪生平台",
            "HA-30 智能巡检机器人",
            "HW-30 5G工业网关",
            "HA-40 预测性维护套件",
        ),
        900,
        24000,
        5,
        0.10,
    ),
}


def new_line_launch(start: datetime.date, as_of: datetime.date) -> datetime.date:
    """The new product line launches a little after the middle of the history, mid-month."""
    mid = start + datetime.timedelta(days=int((as_of - start).days * 0.55))
    return datetime.date(mid.year, mid.month, 15)


def _catalogue(run: Run) -> list[_Product]:
    seed, start, as_of = run.seed, run.start, run.as_of
    launch = new_line_launch(start, as_of)
    products: list[_Product] = []
    for line, (categories, names, low, high, max_qty, _w) in _CATALOGUE.items():
        for i, name in enumerate(names):
            # Log-uniform prices, rounded like a price list; cost ratio differs by product.
            price = round(math.exp(math.log(low) + uniform(seed, "price", name) * math.log(high / low)), -1)
            cost = round(price * (0.42 + 0.28 * uniform(seed, "cost", name)), 2)
            if line == NEW_LINE:
                # The first products open the line; the rest follow over the next months.
                lag = 0 if i < 4 else int(30 + 240 * uniform(seed, "launch", name))
                launched = min(launch + datetime.timedelta(days=lag), as_of - datetime.timedelta(days=60))
            elif i == len(names) - 1:  # one newer model per established line, launched early in history
                launched = start + datetime.timedelta(days=int(90 + 300 * uniform(seed, "launch", name)))
            else:
                launched = start - datetime.timedelta(days=int(200 + 2800 * uniform(seed, "launch", name)))
            products.append(
                _Product(
                    product_id=f"P{len(products) + 1:03d}",
                    name=name,
                    line=line,
                    category=categories[i % len(categories)],
                    list_price=price,
                    unit_cost=cost,
                    launch_date=launched,
                    weight=0.3 + 1.2 * uniform(seed, "popularity", name),
                    max_qty=max_qty,
                )
            )
    return products


def write_products(run: Run) -> int:
    products = _catalogue(run)
    load_table(
        run,
        "products",
        {
            "product_id": [p.product_id for p in products],
            "product_line": [p.line for p in products],
            "list_price": [Decimal(f"{p.list_price:.2f}") for p in products],
            "launch_date": [p.launch_date for p in products],
            "weight": [p.weight * _CATALOGUE[p.line][5] for p in products],
            "max_qty": [p.max_qty for p in products],
        },
        {"list_price": pa.decimal128(18, 2)},
    )
    spec = ENTITIES["products"]
    wb = Workbook()
    ws = wb.active
    ws.title = "产品清单"
    ws.append([c.aliases[0] for c in spec.columns])
    for p in products:
        ws.append([p.product_id, p.name, p.line, p.category, p.list_price, p.unit_cost, p.launch_date])
        ws.cell(row=ws.max_row, column=7).number_format = "yyyy-mm-dd"
    stamp = datetime.datetime.combine(run.as_of, datetime.time())
    deterministic_xlsx(wb, run.out_dir / "products" / "products.xlsx", stamp)
    run.progress(f"products: {len(products)} ({NEW_LINE} launched {new_line_launch(run.start, run.as_of)})")
    return len(products)
