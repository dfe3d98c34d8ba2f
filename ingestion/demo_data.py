"""The demo company generator: a fictional Chinese industrial-instrument maker, 恒泰智控.

`generate_demo_data` writes one landing folder per entity (CONTRACT.md section 2) in the formats real
CRM/ERP exports come in: a BOM-prefixed CSV, a GBK CSV with Chinese headers, an .xlsx, yearly order
extracts plus a correction extract, Parquet.

Design choices that matter to users of the function:
- Deterministic: the same seed and as_of give byte-identical files. Random numbers never come from
  DuckDB's random() (its per-thread state makes results depend on scheduling); every draw is
  `hash(row key, salt, seed)` mapped to [0, 1) (the `rnd` macro), and every file is written ORDER BY.
- Scalable: rows are generated in DuckDB SQL (range/unnest, joins, ASOF joins against cumulative-weight
  tables), so scale=10_000_000 runs inside a fixed memory limit with spilling to a temp directory.
  Python loops only build the small dimensions (days, products, reps, courses).
- Realistic enough to exercise every mart: seasonality with a moving Spring Festival dip, quarter- and
  year-end pushes, ~12% yearly growth, hires and leavers with ramp-up, account hand-overs, new product
  line, cancellations, corrections, returns (some beyond 90 days), partial payments, credit splits.
"""

from __future__ import annotations

import calendar
import csv
import datetime
import hashlib
import io
import math
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from ingestion.entities import ENTITIES
from salesperf.calendar import is_workday, spring_festival_date

DEFAULT_SCALE = 300_000  # order lines; the whole demo (ingestion + dbt build) runs in about a minute
MIN_SCALE = 1_000  # smaller sets cannot hold the 200-line correction extract and ~120 reps sensibly
MEMORY_LIMIT = "6GB"  # DuckDB spills to the temp directory beyond this, so 10M lines fit a laptop

COMPANY = "恒泰智控"
REGIONS: tuple[str, ...] = ("华东", "华南", "华北", "华中", "西南")
_REGION_WEIGHT = {"华东": 0.30, "华南": 0.24, "华北": 0.20, "华中": 0.14, "西南": 0.12}
PRODUCT_LINES: tuple[str, ...] = ("智能仪表", "工业传感器", "控制系统", "运维服务", "新品")
NEW_LINE = "新品"  # launched mid-history: no sales before its products' launch dates

YEARLY_GROWTH = 1.12  # of sales: ~8% more orders a year, ~1.5% list price rises, richer product mix
_ORDER_GROWTH = 1.08
_PRICE_RISE = 0.015
# Month-of-year demand (before growth, Spring Festival and quarter-end effects); December is highest.
_MONTH_FACTOR = {1: 0.9, 2: 0.9, 3: 1.05, 4: 0.95, 5: 1.0, 6: 1.1, 7: 0.9, 8: 0.9, 9: 1.05, 10: 0.9, 11: 1.05, 12: 1.3}
_LINES_PER_ORDER = ((1, 0.40), (2, 0.30), (3, 0.20), (4, 0.10))  # mean 2.0 lines per order

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
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建国文辉鹏宇浩晨欣怡佳琳子轩博雅婷思远"
_CN_DIGITS = "零一二三四五六七八九"


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


@dataclass
class _Person:
    region: str
    team: str | None
    role: str
    hire_date: datetime.date
    termination_date: datetime.date | None
    quality: float  # selling strength: share of orders and of targets
    key: str  # stable identity before rep ids are assigned
    rep_id: str = ""
    manager_key: str | None = None


@dataclass(frozen=True)
class _Run:
    """Everything the per-entity writers share."""

    con: duckdb.DuckDBPyConnection
    out_dir: Path
    scale: int
    seed: int
    as_of: datetime.date
    start: datetime.date
    progress: Callable[[str], None]


# ---------------------------------------------------------------------------------------------------
# Public entry point


def generate_demo_data(
    out_dir: Path,
    *,
    scale: int = DEFAULT_SCALE,
    seed: int = 42,
    as_of: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Write exports for every entity into out_dir/<entity>/...; return {entity: rows written}.

    History runs from 1 January of as_of.year - 3 up to as_of (inclusive); targets cover the previous
    and the current (plan) year. `scale` is the number of order lines in the yearly order files; the
    orders count returned also includes the 200 rows of the correction extract. Existing files with the
    same names are overwritten, other files in out_dir are left alone.
    """
    if scale < MIN_SCALE:
        raise ValueError(f"scale must be at least {MIN_SCALE:,} order lines, got {scale:,}")
    as_of = as_of or datetime.date.today()
    out_dir = Path(out_dir)
    for entity in ENTITIES:
        (out_dir / entity).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="salesperf-demo-"))
    con = duckdb.connect(
        config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(tmp / "spill"), "preserve_insertion_order": True}
    )
    try:
        run = _Run(
            con, out_dir, scale, seed, as_of, datetime.date(as_of.year - 3, 1, 1), progress or (lambda _msg: None)
        )
        _create_macros(run)
        counts: dict[str, int] = {}
        counts["products"] = _write_products(run)
        counts["reps"] = _write_reps(run)
        _create_calendar(run)
        counts["customers"] = _write_customers(run)
        _create_pickers(run)
        counts["orders"] = _write_orders(run)
        counts["returns"] = _write_returns(run)
        counts["payments"] = _write_payments(run)
        counts["credit_splits"] = _write_credit_splits(run)
        counts["opportunities"] = _write_opportunities(run)
        counts["activities"] = _write_activities(run)
        counts["surveys"] = _write_surveys(run)
        counts["trainings"] = _write_trainings(run)
        counts["targets"] = _write_targets(run)
        counts["adjustments"] = _write_adjustments(run)
        return counts
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------
# Small helpers


def _u(seed: int, *parts: object) -> float:
    """Deterministic uniform [0, 1) for the Python-side dimensions (stable across processes/platforms)."""
    digest = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _pick(seed: int, options: Sequence[Any], *parts: object) -> Any:
    return options[int(_u(seed, *parts) * len(options))]


def _sql_list(values: Sequence[str]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _d(value: datetime.date) -> str:
    return f"DATE '{value.isoformat()}'"


def _path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _load(run: _Run, name: str, columns: dict[str, list[Any]], types: dict[str, pa.DataType]) -> None:
    """Create table `name` from Python columns via Arrow (executemany is ~1 ms a row in DuckDB)."""
    arrow = pa.table({c: pa.array(v, types.get(c)) for c, v in columns.items()})
    run.con.register(f"{name}_arrow", arrow)
    run.con.execute(f"CREATE TABLE {name} AS SELECT * FROM {name}_arrow")
    run.con.unregister(f"{name}_arrow")


def _copy_csv(run: _Run, query: str, path: Path) -> int:
    """COPY a query to a UTF-8 CSV with a header; returns the rows written (the query must ORDER BY)."""
    rows = run.con.execute(f"COPY ({query}) TO {_path(path)} (FORMAT csv, HEADER)").fetchall()
    return int(rows[0][0])


def _scalar(run: _Run, query: str) -> Any:
    return run.con.execute(query).fetchall()[0][0]  # fetchall: leaves no unfinished result behind


def _chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 23 -> 二十三, 105 -> 一百零五 (team names such as 华东十二组)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = "零" + _CN_DIGITS[rest]
    else:
        tail = _chinese_number(rest) if rest >= 20 else "一" + _chinese_number(rest)
    return _CN_DIGITS[hundreds] + "百" + tail


def _largest_remainder(total: int, weights: Sequence[float], minimum: int = 0) -> list[int]:
    """Split an integer total in proportion to weights (each part >= minimum), summing exactly."""
    spare = total - minimum * len(weights)
    raw = [spare * w / sum(weights) for w in weights]
    parts = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (parts[i] - raw[i], i))
    for i in order[: spare - sum(parts)]:
        parts[i] += 1
    return [p + minimum for p in parts]


def _allocate(weights: Sequence[float], n: int) -> list[int]:
    """How many of n events fall on each day: floor differences of the cumulative share (sums to n)."""
    total = sum(weights)
    out, cum, prev = [], 0.0, 0
    for w in weights:
        cum += w
        cur = min(n, math.floor(cum / total * n))
        out.append(cur - prev)
        prev = cur
    out[-1] += n - prev
    return out


def _create_macros(run: _Run) -> None:
    # rnd(key, salt): uniform [0, 1) from the 53 high bits of hash(key, salt, seed). Salts keep the
    # draws for different attributes of the same row independent.
    run.con.execute(f"""
        CREATE MACRO rnd(k, salt) AS ((hash(k, salt, {int(run.seed)}::BIGINT) >> 11)::DOUBLE
                                      / 9007199254740992.0);
        CREATE MACRO pick(k, salt, n) AS floor(rnd(k, salt) * n)::BIGINT;
        CREATE MACRO at_time(d, k, salt) AS d + to_seconds(28800 + pick(k, salt, 36000));
    """)


# ---------------------------------------------------------------------------------------------------
# Products (.xlsx, Chinese headers)

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


def _new_line_launch(start: datetime.date, as_of: datetime.date) -> datetime.date:
    """The new product line launches a little after the middle of the history, mid-month."""
    mid = start + datetime.timedelta(days=int((as_of - start).days * 0.55))
    return datetime.date(mid.year, mid.month, 15)


def _catalogue(run: _Run) -> list[_Product]:
    seed, start, as_of = run.seed, run.start, run.as_of
    launch = _new_line_launch(start, as_of)
    products: list[_Product] = []
    for line, (categories, names, low, high, max_qty, _w) in _CATALOGUE.items():
        for i, name in enumerate(names):
            # Log-uniform prices, rounded like a price list; cost ratio differs by product.
            price = round(math.exp(math.log(low) + _u(seed, "price", name) * math.log(high / low)), -1)
            cost = round(price * (0.42 + 0.28 * _u(seed, "cost", name)), 2)
            if line == NEW_LINE:
                # The first products open the line; the rest follow over the next months.
                lag = 0 if i < 4 else int(30 + 240 * _u(seed, "launch", name))
                launched = min(launch + datetime.timedelta(days=lag), as_of - datetime.timedelta(days=60))
            elif i == len(names) - 1:  # one newer model per established line, launched early in history
                launched = start + datetime.timedelta(days=int(90 + 300 * _u(seed, "launch", name)))
            else:
                launched = start - datetime.timedelta(days=int(200 + 2800 * _u(seed, "launch", name)))
            products.append(
                _Product(
                    product_id=f"P{len(products) + 1:03d}",
                    name=name,
                    line=line,
                    category=categories[i % len(categories)],
                    list_price=price,
                    unit_cost=cost,
                    launch_date=launched,
                    weight=0.3 + 1.2 * _u(seed, "popularity", name),
                    max_qty=max_qty,
                )
            )
    return products


def _deterministic_xlsx(workbook: Workbook, path: Path, stamp: datetime.datetime) -> None:
    """Save an .xlsx whose bytes depend only on its content.

    openpyxl's save_workbook stamps "modified" with the current time and zip entries carry the wall
    clock; we write through ExcelWriter with fixed document properties and re-zip with fixed times.
    """
    workbook.properties.created = stamp
    workbook.properties.modified = stamp
    workbook.properties.creator = COMPANY
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).write_data()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, src.read(name))


def _write_products(run: _Run) -> int:
    products = _catalogue(run)
    _load(
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
    _deterministic_xlsx(wb, run.out_dir / "products" / "products.xlsx", stamp)
    run.progress(f"products: {len(products)} ({NEW_LINE} launched {_new_line_launch(run.start, run.as_of)})")
    return len(products)


# ---------------------------------------------------------------------------------------------------
# Reps (CSV, UTF-8 with BOM)


def _organisation(run: _Run) -> list[_Person]:
    """Directors, managers and reps with hire/termination dates; ids assigned in hiring order."""
    seed, start, as_of = run.seed, run.start, run.as_of
    n_people = max(120, run.scale // 5000)
    n_teams = max(len(REGIONS), round(n_people / 9))  # a manager and ~8 reps per team
    n_reps = n_people - len(REGIONS) - n_teams
    teams_per_region = _largest_remainder(n_teams, [_REGION_WEIGHT[r] for r in REGIONS], minimum=1)
    team_list = [
        (region, f"{region}{_chinese_number(i + 1)}组")
        for region, k in zip(REGIONS, teams_per_region, strict=True)
        for i in range(k)
    ]
    team_sizes = _largest_remainder(n_reps, [0.75 + 0.5 * _u(seed, "team", t) for _, t in team_list])

    def days_before_start(key: str, lo: int, hi: int) -> datetime.date:
        return start - datetime.timedelta(days=lo + int((hi - lo) * _u(seed, "hire", key)))

    people: list[_Person] = []
    for region in REGIONS:
        people.append(
            _Person(region, None, "director", days_before_start(region, 1500, 4000), None, 1.0, key=f"D-{region}")
        )
    history_days = (as_of - start).days
    for (region, team), size in zip(team_list, team_sizes, strict=True):
        manager = _Person(
            region,
            team,
            "manager",
            days_before_start(team, 400, 3500),
            None,
            1.0,
            key=f"M-{team}",
            manager_key=f"D-{region}",
        )
        people.append(manager)
        for i in range(size):
            key = f"S-{team}-{i}"
            if _u(seed, "veteran", key) < 0.68:  # most reps were already on board when history starts
                hired = days_before_start(key, 30, 2500)
            else:  # the rest are hired during history, some within the last year
                hired = start + datetime.timedelta(days=int((history_days - 45) * _u(seed, "hire", key)))
            left = None
            if _u(seed, "leaver", key) < 0.18:
                lo = max(hired + datetime.timedelta(days=120), start + datetime.timedelta(days=30))
                span = (as_of - datetime.timedelta(days=7) - lo).days
                if span > 0:
                    left = lo + datetime.timedelta(days=int(span * _u(seed, "left", key)))
            people.append(
                _Person(
                    region, team, "rep", hired, left, 0.6 + _u(seed, "quality", key), key=key, manager_key=manager.key
                )
            )
    people.sort(key=lambda p: (p.hire_date, p.key))
    for i, person in enumerate(people):
        person.rep_id = f"R{i + 1:04d}"
    return people


def _person_name(seed: int, key: str) -> str:
    given = _pick(seed, _GIVEN, "given1", key)
    if _u(seed, "two-char", key) < 0.7:
        given += _pick(seed, _GIVEN, "given2", key)
    return _pick(seed, _SURNAMES, "surname", key) + given


def _write_reps(run: _Run) -> int:
    people = _organisation(run)
    ids = {p.key: p.rep_id for p in people}
    rows = [
        {
            "rep_id": p.rep_id,
            "rep_name": _person_name(run.seed, p.key),
            "email": f"{p.rep_id.lower()}@hengtai-demo.cn",
            "region": p.region,
            "team": p.team or "",
            "manager_id": ids[p.manager_key] if p.manager_key else "",
            "role": p.role,
            "hire_date": p.hire_date.isoformat(),
            "termination_date": p.termination_date.isoformat() if p.termination_date else "",
        }
        for p in people
    ]
    columns = ENTITIES["reps"].column_names
    with open(run.out_dir / "reps" / "reps.csv", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    _load(
        run,
        "reps",
        {
            "rep_id": [p.rep_id for p in people],
            "region": [p.region for p in people],
            "team": [p.team for p in people],
            "role": [p.role for p in people],
            "hire_date": [p.hire_date for p in people],
            "termination_date": [p.termination_date for p in people],
            "quality": [p.quality for p in people],
        },
        {"termination_date": pa.date32()},
    )
    # Sellers carry customers and book orders; managers earn overrides, directors neither.
    run.con.execute("""CREATE TABLE sellers AS
        SELECT *, (row_number() OVER (ORDER BY rep_id) - 1)::BIGINT AS seller_idx
        FROM reps WHERE role = 'rep' ORDER BY rep_id""")
    n_reps = sum(p.role == "rep" for p in people)
    n_left = sum(p.termination_date is not None for p in people)
    run.progress(f"reps: {len(people)} ({n_reps} sellers, {n_left} leavers)")
    return len(people)


# ---------------------------------------------------------------------------------------------------
# Calendar: per-day demand weights and event counts


def _spring_festival_factor(day: datetime.date) -> float:
    festival = spring_festival_date(day.year)
    if day.month >= 6:  # late in the year the next festival is the relevant one (never within reach)
        return 1.0
    offset = (day - festival).days
    if -10 <= offset <= -2:
        return 0.5  # customers and reps leave early for the holiday
    if -1 <= offset <= 6:
        return 0.1  # the holiday itself
    if 7 <= offset <= 15:
        return 0.45  # slow restart (元宵 week)
    return 1.0


def _demand_weight(run: _Run, day: datetime.date, workday: bool) -> float:
    growth = _ORDER_GROWTH ** ((day - run.start).days / 365.25)
    weight = growth * (1.0 if workday else 0.2) * _MONTH_FACTOR[day.month] * _spring_festival_factor(day)
    last = calendar.monthrange(day.year, day.month)[1]
    if day.month in (3, 6, 9, 12) and day.day > last - 10:
        weight *= 1.35  # quarter-end push
    if day.month == 12 and day.day >= 15:
        weight *= 1.15  # year-end push on top
    return weight * (0.85 + 0.3 * _u(run.seed, "day", day.isoformat()))


def _create_calendar(run: _Run) -> None:
    days = [run.start + datetime.timedelta(days=i) for i in range((run.as_of - run.start).days + 1)]
    workdays = [is_workday(d) for d in days]
    orders_w = [_demand_weight(run, d, w) for d, w in zip(days, workdays, strict=True)]
    # CRM activity follows headcount growth and working days, not order seasonality.
    flat_w = [
        _ORDER_GROWTH ** ((d - run.start).days / 365.25) * (1.0 if w else 0.1)
        for d, w in zip(days, workdays, strict=True)
    ]
    n_orders = round(run.scale / sum(k * p for k, p in _LINES_PER_ORDER))
    _load(
        run,
        "days_raw",
        {
            "d": days,
            "n_orders": _allocate(orders_w, n_orders),
            "n_opps": _allocate(flat_w, max(200, run.scale // 20)),
            "n_activities": _allocate(flat_w, max(500, run.scale // 8)),
            "n_surveys": _allocate(flat_w, max(200, run.scale // 100)),
        },
        {"d": pa.date32()},
    )
    run.con.execute("""CREATE TABLE days AS
        SELECT d, date_trunc('month', d)::DATE AS month_start, n_orders, n_opps, n_activities, n_surveys
        FROM days_raw ORDER BY d""")
    run.con.execute("CREATE TABLE months AS SELECT DISTINCT month_start FROM days ORDER BY month_start")


# ---------------------------------------------------------------------------------------------------
# Customers (GBK CSV, Chinese headers, dates like 2025/3/5)


def _write_customers(run: _Run) -> int:
    con, as_of, start = run.con, run.as_of, run.start
    n_sellers = int(_scalar(run, "SELECT count(*) FROM sellers"))
    n_customers = 25 * n_sellers
    city_rows = [(r, i, c) for r, cities in _CITIES.items() for i, c in enumerate(cities)]
    _load(
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
                    THEN list_extract({_sql_list(REGIONS)}, 1 + pick(c, 'region', {len(REGIONS)}))
                    ELSE s.region END AS region,
               CASE WHEN c // {n_sellers} < 5
                    THEN date_trunc('month', s.hire_date)::DATE - 1 - pick(c, 'created', 1800)::INTEGER
                    ELSE greatest(s.hire_date, {_d(start)} - 1500) + pick(c, 'created',
                         coalesce(s.termination_date, {_d(as_of)})
                         - greatest(s.hire_date, {_d(start)} - 1500))::INTEGER END AS created_date,
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
               list_extract({_sql_list(_INDUSTRIES)}, 1 + pick(cidx, 'industry', {len(_INDUSTRIES)}))
                   AS industry,
               CASE segment WHEN '战略' THEN 4.0 WHEN '重点' THEN 2.0 ELSE 1.0 END AS weight,
               CASE segment WHEN '战略' THEN 2.5 WHEN '重点' THEN 1.5 ELSE 1.0 END AS qty_mult,
               -- ~18% of non-base accounts churn: they stop ordering after churn_date (not exported)
               CASE WHEN NOT is_base AND rnd(cidx, 'churn') < 0.18
                         AND created_date + 200 + pick(cidx, 'churn_at', 1200)::INTEGER < {_d(as_of)}
                    THEN created_date + 200 + pick(cidx, 'churn_at', 1200)::INTEGER END AS churn_date
        FROM cust_raw k
        JOIN (SELECT region, count(*) AS n FROM cities GROUP BY region) nc USING (region)
        JOIN cities ci ON ci.region = k.region AND ci.idx = pick(k.cidx, 'city', nc.n)
        LEFT JOIN successor s ON s.leaver = k.orig_owner
    """)
    name = (
        f"city || list_extract({_sql_list(_BRAND_1)}, 1 + pick(cidx, 'b1', {len(_BRAND_1)}))"
        f" || list_extract({_sql_list(_BRAND_2)}, 1 + pick(cidx, 'b2', {len(_BRAND_2)}))"
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


# ---------------------------------------------------------------------------------------------------
# Pickers: cumulative-weight tables that ASOF joins draw from


def _create_pickers(run: _Run) -> None:
    """rep_day: sellers employed on each day; book: each seller's accounts per month; product_month.

    A row with uniform draw u picks the entry whose [cum_lo, next cum_lo) interval holds u, via
    `ASOF JOIN ... ON key = key AND u >= cum_lo` — weighted sampling without Python loops.
    """
    con = run.con
    # Ramp-up: new hires sell little in their first months; leavers slow down before they go.
    con.execute("""
        CREATE TABLE rep_day AS
        WITH w AS (
            SELECT d.d, s.rep_id, s.region,
                   s.quality * CASE datediff('month', s.hire_date, d.d) WHEN 0 THEN 0.3 WHEN 1 THEN 0.6
                                    WHEN 2 THEN 0.85 ELSE 1.0 END
                   * CASE WHEN s.termination_date - d.d < 60 THEN 0.7 ELSE 1.0 END AS w
            FROM days d JOIN sellers s
              ON s.hire_date <= d.d AND (s.termination_date IS NULL OR d.d <= s.termination_date)
        )
        SELECT d, rep_id, region,
               (sum(w) OVER (PARTITION BY d ORDER BY rep_id) - w)
                   / sum(w) OVER (PARTITION BY d) AS cum_lo,
               (sum(w) OVER (PARTITION BY d, region ORDER BY rep_id) - w)
                   / sum(w) OVER (PARTITION BY d, region) AS cum_lo_region
        FROM w ORDER BY d, rep_id
    """)
    # An account is in a seller's book for month m when it exists by the 1st, has not churned by the
    # month's end, and the seller owns it then (the original owner up to the month they leave, the
    # successor afterwards).
    con.execute("""
        CREATE TABLE book AS
        WITH b AS (
            SELECT m.month_start, c.customer_id, c.weight,
                   CASE WHEN c.orig_term IS NULL OR m.month_start <= date_trunc('month', c.orig_term)
                        THEN c.orig_owner ELSE c.successor END AS rep_id
            FROM months m JOIN customers c
              ON c.created_date <= m.month_start
             AND (c.churn_date IS NULL OR last_day(m.month_start) <= c.churn_date)
        )
        SELECT rep_id, month_start, customer_id,
               (sum(weight) OVER (PARTITION BY rep_id, month_start ORDER BY customer_id) - weight)
                   / sum(weight) OVER (PARTITION BY rep_id, month_start) AS cum_lo
        FROM b WHERE rep_id IS NOT NULL ORDER BY rep_id, month_start, customer_id
    """)
    # Products sell from the month after launch; the new line ramps up over its first half year.
    con.execute(f"""
        CREATE TABLE product_month AS
        WITH w AS (
            SELECT m.month_start, p.product_id,
                   p.weight * CASE WHEN p.product_line = '{NEW_LINE}'
                                   THEN least(1.0, (datediff('month', p.launch_date, m.month_start)) / 6.0)
                                   ELSE 1.0 END AS w
            FROM months m JOIN products p ON p.launch_date < m.month_start
        )
        SELECT month_start, product_id,
               (sum(w) OVER (PARTITION BY month_start ORDER BY product_id) - w)
                   / sum(w) OVER (PARTITION BY month_start) AS cum_lo
        FROM w ORDER BY month_start, product_id
    """)


def _assign_rep_and_customer(run: _Run, source: str, target: str, key: str, salt: str) -> None:
    """target = source (with columns d, month_start, <key>) + rep_id (employed on d) + customer_id."""
    run.con.execute(f"""
        CREATE TABLE {target} AS
        WITH r AS (
            SELECT s.*, rd.rep_id, rnd(s.{key}, '{salt}-cust') AS u_cust
            FROM (SELECT *, rnd({key}, '{salt}-rep') AS u_rep FROM {source}) s
            ASOF JOIN rep_day rd ON rd.d = s.d AND s.u_rep >= rd.cum_lo
        )
        SELECT r.* EXCLUDE (u_rep, u_cust), b.customer_id
        FROM r ASOF JOIN book b
          ON b.rep_id = r.rep_id AND b.month_start = r.month_start AND r.u_cust >= b.cum_lo
        ORDER BY r.{key}
    """)


# ---------------------------------------------------------------------------------------------------
# Orders (one UTF-8 CSV per year + a correction extract)


def _create_order_headers(run: _Run) -> None:
    con = run.con
    cum = " ".join(
        f"WHEN u < {round(sum(p for _, p in _LINES_PER_ORDER[: i + 1]), 6)} THEN {k}"
        for i, (k, _) in enumerate(_LINES_PER_ORDER[:-1])
    )
    # Orders are numbered chronologically: day by day, slots within a day.
    con.execute(f"""
        CREATE TABLE order_slots AS
        WITH s AS (SELECT d, month_start, unnest(range(n_orders::BIGINT)) AS j FROM days),
        o AS (SELECT d, month_start, (row_number() OVER (ORDER BY d, j) - 1)::BIGINT AS oidx FROM s)
        SELECT d, month_start, oidx, CASE {cum} ELSE {_LINES_PER_ORDER[-1][0]} END AS nlines
        FROM (SELECT *, rnd(oidx, 'nlines') AS u FROM o)
        ORDER BY oidx
    """)
    # Nudge a few orders' line counts so the total is exactly `scale` lines.
    excess = int(_scalar(run, "SELECT sum(nlines) FROM order_slots")) - run.scale
    if excess:
        step, eligible = (-1, "nlines > 1") if excess > 0 else (1, f"nlines < {_LINES_PER_ORDER[-1][0]}")
        con.execute(f"""
            CREATE OR REPLACE TABLE order_slots AS
            SELECT d, month_start, oidx,
                   nlines + CASE WHEN ok AND rk <= {abs(excess)} THEN {step} ELSE 0 END AS nlines
            FROM (SELECT *, {eligible} AS ok,
                         row_number() OVER (PARTITION BY {eligible} ORDER BY rnd(oidx, 'trim'), oidx) AS rk
                  FROM order_slots)
            ORDER BY oidx
        """)
    _assign_rep_and_customer(run, "order_slots", "order_hdr_raw", "oidx", "order")
    width = max(6, len(str(_scalar(run, "SELECT count(*) FROM order_slots"))))
    con.execute(f"""
        CREATE TABLE order_hdr AS
        SELECT 'SO' || year(d) || printf('%0{width}d', row_number() OVER (PARTITION BY year(d) ORDER BY oidx))
                   AS order_id, h.*
        FROM order_hdr_raw h ORDER BY oidx
    """)


def _create_order_lines(run: _Run) -> None:
    con, as_of = run.con, run.as_of
    # ~2% of orders are cancelled whole and ~1% of other lines individually: ~3% cancelled lines.
    con.execute(f"""
        CREATE TABLE lines AS
        WITH l AS (
            SELECT h.order_id, h.oidx, h.d AS order_date, h.month_start, h.customer_id, h.rep_id,
                   unnest(range(1, h.nlines + 1)) AS line_no
            FROM order_hdr h
        ), k AS (
            SELECT l.*, l.oidx * 4 + l.line_no AS lk, rnd(l.oidx * 4 + l.line_no, 'product') AS u_prod
            FROM l
        ), p AS (
            SELECT k.*, pm.product_id FROM k
            ASOF JOIN product_month pm ON pm.month_start = k.month_start AND k.u_prod >= pm.cum_lo
        ), v AS (
            SELECT p.*,
                   ceil((1 + floor(pr.max_qty * pow(rnd(lk, 'qty'), 2.5))) * c.qty_mult)::INTEGER AS quantity,
                   -- list prices rise every year, and reps give a little on the list price
                   round(pr.list_price * (1 - {_PRICE_RISE} * (DATE '{as_of}' - order_date) / 365.25)
                         * (0.96 + 0.04 * rnd(lk, 'price')), 2)::DECIMAL(18,2) AS unit_price,
                   rnd(oidx, 'cancel_order') < 0.02 OR rnd(lk, 'cancel_line') < 0.01 AS cancelled,
                   CASE WHEN rnd(lk, 'discount') < 0.3
                        THEN 0.02 + 0.13 * rnd(lk, 'discount_pct') ELSE 0 END AS discount_pct
            FROM p JOIN products pr USING (product_id) JOIN customers c USING (customer_id)
        )
        SELECT order_id, line_no::INTEGER AS line_no, order_date, customer_id, rep_id, product_id,
               quantity, unit_price,
               round(quantity * unit_price * discount_pct, 2)::DECIMAL(18,2) AS discount_amount,
               'CNY' AS currency,
               CASE WHEN cancelled THEN 'cancelled' ELSE 'completed' END AS status,
               CASE WHEN cancelled THEN least(order_date + pick(lk, 'cancel_days', 15)::INTEGER,
                                              DATE '{as_of}') END AS cancelled_date,
               CASE WHEN cancelled
                    THEN at_time(least(order_date + pick(lk, 'cancel_days', 15)::INTEGER, DATE '{as_of}'),
                                 lk, 'cancel_time')
                    ELSE at_time(order_date, lk, 'entry_time') END AS updated_at,
               oidx, lk
        FROM v ORDER BY oidx, line_no
    """)


def _create_corrections(run: _Run) -> None:
    """~200 earlier completed lines restated later: half cancelled, half with an extra discount."""
    con, as_of = run.con, run.as_of
    share = min(1.0, 1000 / run.scale)  # pre-filter cheaply, then take the first 200 by hash
    con.execute(f"""
        CREATE TABLE corrections AS
        WITH c AS (
            SELECT * FROM lines
            WHERE status = 'completed' AND order_date <= DATE '{as_of}' - 60 AND rnd(lk, 'corr') < {share}
            ORDER BY rnd(lk, 'corr_rank'), lk LIMIT 200
        )
        SELECT order_id, line_no, order_date, customer_id, rep_id, product_id, quantity, unit_price,
               CASE WHEN to_cancel THEN discount_amount
                    ELSE least(quantity * unit_price - 0.01,
                               discount_amount + round(quantity * unit_price * 0.05, 2))::DECIMAL(18,2)
                    END AS discount_amount,
               currency,
               CASE WHEN to_cancel THEN 'cancelled' ELSE 'completed' END AS status,
               CASE WHEN to_cancel THEN order_date + 3 + pick(lk, 'corr_days', 28)::INTEGER END
                   AS cancelled_date,
               at_time(order_date + 3 + pick(lk, 'corr_days', 28)::INTEGER, lk, 'corr_time') AS updated_at,
               oidx, lk
        FROM (SELECT *, rnd(lk, 'corr_kind') < 0.5 AS to_cancel FROM c)
        ORDER BY oidx, line_no
    """)
    # Returns and payments are generated from the state after corrections, as the ERP would have it.
    con.execute("""
        CREATE VIEW final_lines AS
        SELECT * FROM lines WHERE lk NOT IN (SELECT lk FROM corrections)
        UNION ALL SELECT * FROM corrections
    """)


_ORDER_COLUMNS = ", ".join(ENTITIES["orders"].column_names)


def _write_orders(run: _Run) -> int:
    _create_order_headers(run)
    _create_order_lines(run)
    _create_corrections(run)
    written = 0
    for year in range(run.start.year, run.as_of.year + 1):
        written += _copy_csv(
            run,
            f"""SELECT {_ORDER_COLUMNS} FROM lines WHERE year(order_date) = {year}
                                      ORDER BY oidx, line_no""",
            run.out_dir / "orders" / f"orders_{year}.csv",
        )
    corrections = _copy_csv(
        run,
        f"SELECT {_ORDER_COLUMNS} FROM corrections ORDER BY oidx, line_no",
        run.out_dir / "orders" / "orders_corrections.csv",
    )
    run.progress(f"orders: {written:,} lines + {corrections} corrections")
    return written + corrections


# ---------------------------------------------------------------------------------------------------
# Returns, payments, credit splits


def _write_returns(run: _Run) -> int:
    """~2% of completed lines; 40% in the order's month, the rest 20-85 or 91-130 days later."""
    as_of = run.as_of
    reasons = ("质量问题", "型号不符", "运输损坏", "客户项目取消", "重复下单", "安装环境不符")
    n = _copy_csv(
        run,
        f"""
        WITH r AS (
            SELECT order_id, line_no, order_date, quantity, lk,
                   quantity * unit_price - discount_amount AS net,
                   -- mostly partial returns: a few units of the line
                   1 + floor(quantity * pow(rnd(lk, 'ret_qty'), 2))::INTEGER AS ret_qty,
                   CASE WHEN rnd(lk, 'ret_when') < 0.4
                        THEN order_date + pick(lk, 'ret_days', last_day(order_date) - order_date + 1)::INTEGER
                        WHEN rnd(lk, 'ret_when') < 0.75 THEN order_date + 20 + pick(lk, 'ret_days', 66)::INTEGER
                        ELSE order_date + 91 + pick(lk, 'ret_days', 40)::INTEGER END AS return_date
            FROM final_lines WHERE status = 'completed' AND rnd(lk, 'return') < 0.02
        )
        SELECT 'RT' || printf('%08d', row_number() OVER (ORDER BY return_date, lk)) AS return_id,
               order_id, line_no, return_date, least(ret_qty, quantity) AS quantity,
               round(net * least(ret_qty, quantity) / quantity, 2)::DECIMAL(18,2) AS amount,
               list_extract({_sql_list(reasons)}, 1 + pick(lk, 'ret_reason', {len(reasons)})) AS reason
        FROM r WHERE return_date <= DATE '{as_of}'
        ORDER BY return_id
    """,
        run.out_dir / "returns" / "returns.csv",
    )
    run.progress(f"returns: {n:,}")
    return n


def _write_payments(run: _Run) -> int:
    """回款: most orders paid in 1-4 instalments 15-120 days after ordering; ~6% never paid."""
    as_of = run.as_of
    path = run.out_dir / "payments" / "payments.parquet"
    row = run.con.execute(f"""
        COPY (
            WITH o AS (
                SELECT order_id, any_value(oidx) AS oidx, any_value(order_date) AS order_date,
                       any_value(customer_id) AS customer_id,
                       sum(quantity * unit_price - discount_amount) AS total
                FROM final_lines WHERE status = 'completed' GROUP BY order_id
            ), k AS (
                SELECT *, CASE WHEN rnd(oidx, 'n_pay') < 0.55 THEN 1 WHEN rnd(oidx, 'n_pay') < 0.8 THEN 2
                               WHEN rnd(oidx, 'n_pay') < 0.92 THEN 3 ELSE 4 END AS n_pay
                FROM o WHERE rnd(oidx, 'unpaid') >= 0.06
            ), i AS (
                SELECT *, unnest(range(1, n_pay + 1)) AS j FROM k
            ), w AS (
                SELECT *, 0.5 + rnd(oidx * 4 + j, 'pay_w') AS w,
                       order_date + 15 + floor((j - 1 + rnd(oidx * 4 + j, 'pay_day')) / n_pay * 105)::INTEGER
                           AS payment_date
                FROM i
            ), a AS (
                -- instalments share the total by weight; the last takes the rounding remainder
                SELECT *, CASE WHEN j < n_pay THEN round(total * w / sum(w) OVER (PARTITION BY oidx), 2)
                               END AS part
                FROM w
            ), p AS (
                SELECT *, coalesce(part, total - coalesce(sum(part) OVER (PARTITION BY oidx), 0)) AS amount
                FROM a
            )
            SELECT 'PM' || printf('%010d', row_number() OVER (ORDER BY payment_date, oidx, j)) AS payment_id,
                   order_id, customer_id, payment_date, amount::DECIMAL(18,2) AS amount
            FROM p WHERE payment_date <= DATE '{as_of}' AND amount > 0
            ORDER BY payment_id
        ) TO {_path(path)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)
    """).fetchall()
    n = int(row[0][0])
    run.progress(f"payments: {n:,}")
    return n


def _write_credit_splits(run: _Run) -> int:
    """~2% of orders shared with a same-region colleague; ~0.3% get a 20% overlay on top of 100%."""
    n = _copy_csv(
        run,
        """
        WITH s AS (
            SELECT h.oidx, h.order_id, h.d, h.rep_id, r.region,
                   CASE WHEN rnd(h.oidx, 'split') < 0.02 THEN 'split' ELSE 'overlay' END AS kind,
                   rnd(h.oidx, 'split_rep') AS u
            FROM order_hdr h JOIN sellers r USING (rep_id)
            WHERE rnd(h.oidx, 'split') < 0.023
        ), p AS (
            SELECT s.*, rd.rep_id AS partner FROM s
            ASOF JOIN rep_day rd ON rd.d = s.d AND rd.region = s.region AND s.u >= rd.cum_lo_region
        ), pct AS (
            SELECT *, CASE WHEN kind = 'overlay' THEN 1.0
                           ELSE list_extract([0.5, 0.6, 0.7], 1 + pick(oidx, 'split_pct', 3)) END AS main_pct
            FROM p WHERE partner <> rep_id
        )
        SELECT order_id, rep_id, split_pct::DECIMAL(12,6) AS split_pct FROM (
            SELECT oidx, 1 AS seq, order_id, rep_id, main_pct AS split_pct FROM pct
            UNION ALL
            SELECT oidx, 2, order_id, partner,
                   CASE WHEN kind = 'overlay' THEN 0.2 ELSE 1 - main_pct END FROM pct
        ) ORDER BY oidx, seq
    """,
        run.out_dir / "credit_splits" / "credit_splits.csv",
    )
    run.progress(f"credit_splits: {n:,}")
    return n


# ---------------------------------------------------------------------------------------------------
# CRM: opportunities, activities, surveys; HR: trainings


def _slots(run: _Run, name: str, count_column: str) -> None:
    run.con.execute(f"""
        CREATE TABLE {name} AS
        WITH s AS (SELECT d, month_start, unnest(range({count_column}::BIGINT)) AS j FROM days)
        SELECT d, month_start, (row_number() OVER (ORDER BY d, j) - 1)::BIGINT AS idx FROM s ORDER BY idx
    """)


_OPEN_STAGES = ("初步接洽", "需求确认", "方案报价", "商务谈判")


def _write_opportunities(run: _Run) -> int:
    as_of = run.as_of
    lost = ("价格过高", "选择竞品", "预算取消", "需求变更", "决策周期过长", "技术方案不符")
    _slots(run, "opp_slots", "n_opps")
    _assign_rep_and_customer(run, "opp_slots", "opp_raw", "idx", "opp")
    # Close 15-240 days after creation (earlier if the owner leaves); not closed by as_of = open.
    run.con.execute("""
        CREATE TABLE opps AS
        SELECT printf('OP%07d', o.idx + 1) AS opportunity_id, o.idx, o.customer_id, o.rep_id AS owner_rep_id,
               o.d AS created_date, o.d + 30 + pick(o.idx, 'exp_close', 150)::INTEGER AS expected_close_date,
               least(o.d + 15 + pick(o.idx, 'close', 225)::INTEGER,
                     coalesce(s.termination_date, DATE '9999-12-31')) AS close_at,
               round(exp(ln(20000) + rnd(o.idx, 'opp_amount') * ln(60)), -2)::DECIMAL(18,2) AS amount,
               rnd(o.idx, 'won') < 0.2 + 0.25 * s.quality AS won
        FROM opp_raw o JOIN sellers s USING (rep_id)
    """)
    stage = (
        f"list_extract({_sql_list(_OPEN_STAGES)}, 1 + least(3, floor((DATE '{as_of}' - created_date)"
        f" / greatest(1, close_at - created_date) * 4))::BIGINT)"
    )
    n = _copy_csv(
        run,
        f"""
        SELECT opportunity_id, customer_id, owner_rep_id,
               CASE WHEN close_at > DATE '{as_of}' THEN {stage} WHEN won THEN '赢单' ELSE '输单' END AS stage,
               amount, created_date, expected_close_date,
               CASE WHEN close_at <= DATE '{as_of}' THEN close_at END AS closed_date,
               CASE WHEN close_at > DATE '{as_of}' THEN 'open' WHEN won THEN 'won' ELSE 'lost' END AS status,
               CASE WHEN close_at <= DATE '{as_of}' AND NOT won
                    THEN list_extract({_sql_list(lost)}, 1 + pick(idx, 'lost', {len(lost)})) END AS lost_reason,
               at_time(CASE WHEN close_at <= DATE '{as_of}' THEN close_at
                            ELSE created_date + pick(idx, 'touched', DATE '{as_of}' - created_date + 1)::INTEGER
                            END, idx, 'opp_time') AS updated_at
        FROM opps ORDER BY idx
    """,
        run.out_dir / "opportunities" / "opportunities.csv",
    )
    run.progress(f"opportunities: {n:,}")
    return n


_ACTIVITY_TYPES = (
    ("visit", 0.35, 30, 120),
    ("call", 0.30, 5, 30),
    ("meeting", 0.12, 30, 90),
    ("demo", 0.08, 45, 120),
    ("email", 0.15, 0, 0),
)
_OUTCOMES = ("客户有兴趣", "需进一步跟进", "已发送报价", "暂无需求", "约定下次拜访", "技术交流完成")


def _write_activities(run: _Run) -> int:
    """Touchpoints: 1-4 per opportunity (within its life) plus general account visits and calls."""
    as_of = run.as_of
    _slots(run, "act_slots", "n_activities")
    _assign_rep_and_customer(run, "act_slots", "act_raw", "idx", "act")
    cases, bounds, acc = [], [], 0.0
    for name, p, lo, hi in _ACTIVITY_TYPES:
        acc += p
        cases.append(f"WHEN u_type < {acc:.2f} THEN '{name}'")
        bounds.append(f"WHEN '{name}' THEN " + ("NULL" if hi == 0 else f"{lo} + pick(k, 'dur', {hi - lo + 1})"))
    n = _copy_csv(
        run,
        f"""
        WITH from_opps AS (
            SELECT 1 AS src, idx * 4 + j AS k, owner_rep_id AS rep_id, customer_id, opportunity_id,
                   created_date + pick(idx * 4 + j, 'act_day',
                       least(close_at, DATE '{as_of}') - created_date + 1)::INTEGER AS activity_date
            FROM (SELECT *, unnest(range(1 + pick(idx, 'n_act', 4))) AS j FROM opps)
        ), general AS (
            SELECT 2 AS src, idx AS k, rep_id, customer_id, NULL AS opportunity_id, d AS activity_date
            FROM act_raw
        ), a AS (
            SELECT *, rnd(src * 1000000000000 + k, 'type') AS u_type FROM (
                SELECT * FROM from_opps UNION ALL SELECT * FROM general)
        ), t AS (
            SELECT *, CASE {" ".join(cases[:-1])} ELSE '{_ACTIVITY_TYPES[-1][0]}' END AS activity_type FROM a
        )
        SELECT 'AC' || printf('%09d', row_number() OVER (ORDER BY activity_date, src, k)) AS activity_id,
               rep_id, customer_id, opportunity_id, activity_type, activity_date,
               CASE activity_type {" ".join(bounds)} END AS duration_minutes,
               list_extract({_sql_list(_OUTCOMES)}, 1 + pick(src * 1000000000000 + k, 'outcome',
                                                             {len(_OUTCOMES)})) AS outcome
        FROM t ORDER BY activity_id
    """,
        run.out_dir / "activities" / "activities.csv",
    )
    run.progress(f"activities: {n:,}")
    return n


def _write_surveys(run: _Run) -> int:
    """Satisfaction 1-5, mostly 4-5; stronger reps score a little better."""
    comments = {
        1: "响应太慢，问题迟迟未解决",
        2: "交付延期，沟通不够及时",
        3: "整体一般，有待改进",
        4: "服务专业，响应及时",
        5: "非常满意，会继续合作",
    }
    comment_sql = " ".join(f"WHEN {k} THEN '{v}'" for k, v in comments.items())
    _slots(run, "survey_slots", "n_surveys")
    _assign_rep_and_customer(run, "survey_slots", "survey_raw", "idx", "survey")
    n = _copy_csv(
        run,
        f"""
        WITH s AS (
            SELECT r.*, least(0.999, greatest(0.0, rnd(r.idx, 'score') + (sl.quality - 1.1) * 0.15)) AS p
            FROM survey_raw r JOIN sellers sl USING (rep_id)
        ), sc AS (
            SELECT *, CASE WHEN p < 0.04 THEN 1 WHEN p < 0.11 THEN 2 WHEN p < 0.28 THEN 3
                           WHEN p < 0.62 THEN 4 ELSE 5 END AS score FROM s
        )
        SELECT printf('SV%07d', idx + 1) AS survey_id, customer_id, rep_id, d AS survey_date, score,
               CASE WHEN rnd(idx, 'has_comment') < 0.6 THEN CASE score {comment_sql} END END AS comment
        FROM sc ORDER BY idx
    """,
        run.out_dir / "surveys" / "surveys.csv",
    )
    run.progress(f"surveys: {n:,}")
    return n


_COURSES = (
    ("TR001", "新员工销售入门", "销售技巧", -2000),
    ("TR002", "顾问式销售", "销售技巧", -1500),
    ("TR003", "大客户管理", "销售技巧", -900),
    ("TR004", "智能仪表产品知识", "产品知识", -2000),
    ("TR005", "工业传感器选型", "产品知识", -1200),
    ("TR006", "控制系统解决方案", "产品知识", -800),
    ("TR007", "反商业贿赂与合规", "合规", -600),
    ("TR008", "合同与回款管理", "合规", 200),
    ("TR009", "电力与水务行业洞察", "行业知识", 100),
    ("TR010", "CRM系统使用", "系统工具", 300),
    ("TR011", "商务谈判技巧", "销售技巧", 500),
    ("TR012", "新品产品培训", "产品知识", None),
)


def _write_trainings(run: _Run) -> int:
    """Each rep and manager completes ~65% of the courses available during their employment."""
    launch = _new_line_launch(run.start, run.as_of)
    rows = [
        (
            cid,
            name,
            topic,
            launch - datetime.timedelta(days=30) if offset is None else run.start + datetime.timedelta(days=offset),
        )
        for cid, name, topic, offset in _COURSES
    ]
    _load(
        run,
        "courses",
        {name: [r[i] for r in rows] for i, name in enumerate(("course_id", "course_name", "topic", "opens"))},
        {},
    )
    n = _copy_csv(
        run,
        f"""
        WITH t AS (
            SELECT r.rep_id, c.course_id, c.course_name, c.topic,
                   greatest(r.hire_date, c.opens) + 7 + pick(r.rep_id || c.course_id, 'train_day', 200)::INTEGER
                       AS completed_date,
                   r.termination_date
            FROM reps r CROSS JOIN courses c
            WHERE r.role IN ('rep', 'manager') AND rnd(r.rep_id || c.course_id, 'train') < 0.65
        )
        SELECT rep_id, course_id, course_name, topic, completed_date,
               55 + pick(rep_id || course_id, 'assessment', 46) AS assessment_score
        FROM t WHERE completed_date <= least(DATE '{run.as_of}', coalesce(termination_date, DATE '9999-12-31'))
        ORDER BY rep_id, course_id
    """,
        run.out_dir / "trainings" / "trainings.csv",
    )
    run.progress(f"trainings: {n:,}")
    return n


# ---------------------------------------------------------------------------------------------------
# Manual inputs: targets and adjustments


def _write_targets(run: _Run) -> int:
    """Rep x month targets for the previous and the plan year, product line x month for the plan year.

    A month's company target is the same month a year earlier x growth; reps employed in the month share
    it by strength and by the part of the month they are employed (the plan's ramp applies on top).
    """
    con, plan_year = run.con, run.as_of.year
    con.execute(f"""
        CREATE TABLE target_months AS
        WITH actual AS (
            SELECT date_trunc('month', order_date)::DATE AS m, sum(quantity * unit_price - discount_amount) AS s
            FROM final_lines WHERE status = 'completed' GROUP BY ALL
        )
        SELECT (m + INTERVAL 1 YEAR)::DATE AS month_start, s * {YEARLY_GROWTH} AS company_target
        FROM actual WHERE year(m) IN ({plan_year - 2}, {plan_year - 1})
    """)
    total = 0
    for year in (plan_year - 1, plan_year):
        line_targets = (
            ""
            if year != plan_year
            else f"""
            UNION ALL
            SELECT strftime(t.month_start, '%Y-%m'), 'product_line', l.product_line,
                   round(t.company_target * l.share, -2)::DECIMAL(18,2), 2, l.product_line
            FROM target_months t CROSS JOIN (
                -- line mix of the last six months, so the new line's ramp-up is reflected
                SELECT product_line, sum(quantity * unit_price - discount_amount)
                       / sum(sum(quantity * unit_price - discount_amount)) OVER () AS share
                FROM final_lines JOIN products USING (product_id)
                WHERE status = 'completed' AND order_date >= DATE '{plan_year - 1}-07-01'
                  AND order_date < DATE '{plan_year}-01-01'
                GROUP BY product_line) l
            WHERE year(t.month_start) = {year}"""
        )
        total += _copy_csv(
            run,
            f"""
            WITH e AS (
                SELECT t.month_start, t.company_target, s.rep_id,
                       (0.5 + 0.5 * s.quality)
                       * (least(last_day(t.month_start), coalesce(s.termination_date, DATE '9999-12-31'))
                          - greatest(t.month_start, s.hire_date) + 1) AS w
                FROM target_months t JOIN sellers s
                  ON s.hire_date <= last_day(t.month_start)
                 AND (s.termination_date IS NULL OR s.termination_date >= t.month_start)
                WHERE year(t.month_start) = {year}
            )
            SELECT period, level, key, target_amount FROM (
                SELECT strftime(month_start, '%Y-%m') AS period, 'rep' AS level, rep_id AS key,
                       round(company_target * w / sum(w) OVER (PARTITION BY month_start), -2)::DECIMAL(18,2)
                           AS target_amount, 1 AS seq, rep_id AS sort_key
                FROM e
                {line_targets}
            ) ORDER BY period, seq, sort_key
        """,
            run.out_dir / "targets" / f"targets_{year}.csv",
        )
    run.progress(f"targets: {total:,}")
    return total


def _yuan(amount: float) -> str:
    """Finance's spreadsheet style: ¥1,234.50, deductions -¥1,234.50."""
    return f"¥{amount:,.2f}" if amount >= 0 else f"-¥{-amount:,.2f}"


def _write_adjustments(run: _Run) -> int:
    """A handful of manual commission adjustments in the plan year, amounts like ¥1,234.50."""
    reasons = (
        ("大客户回款奖励", 1),
        ("系统录单错误补发提成", 1),
        ("跨区协作补偿", 1),
        ("季度冲刺专项奖励", 1),
        ("新品首单奖励", 1),
        ("多发提成扣回", -1),
        ("客户投诉扣减", -1),
    )
    sellers = run.con.execute(f"""SELECT rep_id FROM sellers WHERE hire_date <= DATE '{run.as_of.year}-01-01'
                                  AND termination_date IS NULL ORDER BY rep_id""").fetchall()
    rows = []
    for i in range(10):
        reason, sign = _pick(run.seed, reasons, "adj_reason", i)
        month = 1 + int(_u(run.seed, "adj_month", i) * max(1, run.as_of.month - 1))
        amount = sign * round(500 + 7500 * _u(run.seed, "adj_amount", i), -1) + (0.5 if i % 3 == 0 else 0)
        rows.append((_pick(run.seed, sellers, "adj_rep", i)[0], f"{run.as_of.year}-{month:02d}", _yuan(amount), reason))
    rows.sort(key=lambda r: (r[1], r[0]))
    with open(run.out_dir / "adjustments" / "adjustments.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(ENTITIES["adjustments"].column_names)
        writer.writerows(rows)
    run.progress(f"adjustments: {len(rows)}")
    return len(rows)
