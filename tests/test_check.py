"""`salesperf check`: landing and config problems found without running the pipeline, and its exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from salesperf.cli import check
from salesperf.cli.check import ERROR, WARN, CheckContext, Problem, check_config, check_landing, split_reason
from salesperf.cli.main import main
from salesperf.config.files import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ORDERS_HEADER = "order_id,line_no,order_date,customer_id,rep_id,product_id,quantity,unit_price,status\n"

PLANS_WITH_BAD_RATE = """\
currency: CNY
plans:
  - id: field
    period: quarter
    measure: net_sales
    tier_basis: attainment
    tier_method: marginal
    tiers:
      - {from: 0.0, to: 0.5, rate: 0.0}
      - {from: 0.5, rate: 1.5}
assignments:
  - {role: rep, plan: field}
"""


def _landing(root: Path) -> Path:
    """A bad date, a blank required cell, a file missing a required column, an unknown folder, a .xlsb."""
    landing = root / "landing"
    (landing / "orders").mkdir(parents=True)
    (landing / "orders" / "2025-03.csv").write_text(
        ORDERS_HEADER
        + "SO1,1,2025-03-05,C1,R1,P1,2,100,completed\n"  # row 2: fine
        + "SO2,1,soon,C1,R1,P1,2,100,completed\n"  # row 3: bad date
        + "SO3,1,2025-03-06,C1,R1,P1,,100,shipped\n",  # row 4: blank quantity and an unknown status
        encoding="utf-8",
    )
    (landing / "reps").mkdir()
    (landing / "reps" / "reps.csv").write_text("rep_name,region\n王芳,华东\n李强,华北\n", encoding="utf-8")
    (landing / "order").mkdir()
    (landing / "order" / "old.csv").write_text(ORDERS_HEADER, encoding="utf-8")
    (landing / "orders" / "2024.xlsb").write_bytes(b"PK\x03\x04")
    (landing / "orders" / "~$2025-03.xlsx").write_bytes(b"lock")  # an Office lock file: routine, not reported
    return landing


def _config(root: Path, plans: str = PLANS_WITH_BAD_RATE) -> Path:
    config = root / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "commission_plans.yml").write_text(plans, encoding="utf-8")
    return config


DATE = "a date (2025-03-05, 2025/3/5, 2025年3月5日 or an Excel serial)"


def test_landing_problems_name_file_row_column_expected_found(tmp_path):
    landing = _landing(tmp_path)
    problems = check_landing(landing, tmp_path / "no-config")
    rows = [(p.severity, p.file, p.row, p.column, p.expected, p.found) for p in problems]
    assert rows[0] == (WARN, "order/", None, "", "an entity folder (did you mean orders/?); not read", "unknown folder")
    assert rows[1] == (
        WARN,
        "orders/2024.xlsb",
        None,
        "",
        "a .csv, .xlsx, .xls or .parquet file (save it as .xlsx); not read",
        ".xlsb",
    )
    assert rows[2:5] == [
        (ERROR, "orders/2025-03.csv", 3, "order_date", DATE, "soon"),
        (ERROR, "orders/2025-03.csv", 4, "quantity", "a value (required)", "blank"),
        (ERROR, "orders/2025-03.csv", 4, "status", "one of completed, cancelled, pending, disputed", "shipped"),
    ]
    severity, file, row, column, expected, found = rows[5]
    assert (severity, file, row, column) == (ERROR, "reps/reps.csv", 1, "rep_id")
    assert (expected, found) == ("required columns rep_id", "columns rep_name, region")
    assert len(rows) == 6  # the lock file and the rows of the rejected reps file add nothing


def test_landing_summary_counts_per_entity(tmp_path):
    report = check.inspect_landing(_landing(tmp_path), tmp_path / "no-config")
    by_entity = {s.entity: s for s in report.entities}
    orders, reps = by_entity["orders"], by_entity["reps"]
    assert (orders.files, orders.ignored, orders.rows_read, orders.rows_accepted, orders.rows_rejected) == (
        1,
        2,
        3,
        1,
        2,
    )
    assert (reps.files, reps.files_rejected, reps.rows_read, reps.rows_rejected) == (1, 1, 2, 2)


def test_rows_listed_per_file_are_capped(tmp_path):
    landing = tmp_path / "landing"
    (landing / "orders").mkdir(parents=True)
    bad = "".join(f"SO{i},1,never,C1,R1,P1,1,1,completed\n" for i in range(5))
    (landing / "orders" / "a.csv").write_text(ORDERS_HEADER + bad, encoding="utf-8")
    problems = check_landing(landing, tmp_path, rows_per_file=2)
    assert [p.row for p in problems] == [2, 3, None]
    assert problems[-1].found == "3 more rejected rows"


def test_split_reason_keeps_a_found_value_holding_the_separator():
    reason = (
        'order_date: expected a date (2025-03-05, 2025/3/5), found "a; quantity"; '
        "quantity: required but blank; currency: something new; still currency"
    )
    assert split_reason(reason, "orders") == [
        (ERROR, "order_date", "a date (2025-03-05, 2025/3/5)", "a; quantity"),
        (ERROR, "quantity", "a value (required)", "blank"),
        (ERROR, "currency", "something new; still currency", ""),  # a shape not known yet: shown whole
    ]
    assert split_reason("odd: thing", "orders") == [(ERROR, "", "odd: thing", "")]  # not a column of orders


def test_rows_set_aside_on_purpose_are_warnings():
    """Totals lines and exact duplicate rows are rejected by a run on purpose (load.py), not by mistake."""
    assert split_reason('totals row ("合计"): not a data row', "orders") == [
        (WARN, "", "a data row (a totals line is set aside)", 'totals row ("合计"): not a data row')
    ]
    assert split_reason("exact duplicate of row 7; quantity: required but blank", "orders") == [
        (WARN, "", "a row not repeated in the file (the first copy loads)", "exact duplicate of row 7"),
        (ERROR, "quantity", "a value (required)", "blank"),
    ]


def test_config_problem_names_the_key_path_and_line(tmp_path):
    problems = check_config(_config(tmp_path))
    assert problems == [
        Problem(ERROR, "config", "commission_plans.yml", 10, "plans[0].tiers[1].rate", "must be between 0 and 1", "1.5")
    ]


def test_config_model_level_problems_are_split_by_key_path(tmp_path):
    plans = PLANS_WITH_BAD_RATE.replace("rate: 1.5", "rate: 0.05").replace("plan: field}", "plan: felid}")
    plans += "  - {role: rep, plan: field}\n"
    problems = check_config(_config(tmp_path, plans))
    assert [(p.row, p.column, p.expected) for p in problems] == [
        (12, "assignments[0].plan", "unknown plan 'felid' (plans: field)"),
        (13, "assignments[1]", "overlaps assignments[0] for role rep"),
    ]


def test_config_yaml_syntax_and_unknown_files(tmp_path):
    config = _config(tmp_path, "plans: [\n  - id: x\n")
    (config / "comission_plans.yaml").write_text("plans: []\n", encoding="utf-8")
    problems = check_config(config)
    assert [(p.severity, p.file, p.column) for p in problems] == [
        (WARN, "comission_plans.yaml", ""),
        (ERROR, "commission_plans.yml", ""),
    ]
    assert "did you mean commission_plans.yml?" in problems[0].expected
    assert problems[1].expected == "valid YAML" and problems[1].row is not None


def test_repository_config_is_valid():
    assert check_config(PROJECT_ROOT / "config") == []


def test_source_profiles_are_checked_and_passed_to_ingestion(tmp_path, monkeypatch):
    """The source-profile loader's errors are config problems; what it returns is what ingestion gets."""
    seen: dict[str, object] = {}

    def load_profiles(config_dir: Path) -> dict[str, str]:
        if (config_dir / "sources" / "crm.yml").read_text(encoding="utf-8").strip() == "bad":
            raise ConfigError("crm.yml: headers.order_id: must not be blank; encoding: unknown 'latin-9'")
        return {"crm": "profile"}

    monkeypatch.setattr("ingestion.profiles.load_profiles", load_profiles)
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "crm.yml").write_text("bad\n", encoding="utf-8")
    assert [(p.file, p.column, p.expected) for p in check_config(tmp_path)] == [
        ("sources/crm.yml", "headers.order_id", "must not be blank"),
        ("sources/crm.yml", "encoding", "unknown 'latin-9'"),
    ]

    (tmp_path / "sources" / "crm.yml").write_text("good\n", encoding="utf-8")
    assert check_config(tmp_path) == []

    def ingest_all(con, landing_dir, *, entities=None, now=None, profiles=None):
        seen["profiles"] = profiles
        from ingestion.load import ensure_schemas

        ensure_schemas(con)
        return {}

    monkeypatch.setattr("ingestion.load.ingest_all", ingest_all)
    (tmp_path / "landing").mkdir()
    check_landing(tmp_path / "landing", tmp_path)
    assert seen["profiles"] == {"crm": "profile"}


def test_a_real_source_profile_error_names_file_line_and_key_path(tmp_path):
    pytest.importorskip("ingestion.profiles")
    (tmp_path / "sources").mkdir()
    (tmp_path / "sources" / "vendor.yml").write_text(
        "profiles:\n  - id: vendor_orders\n    entity: ordres\n    files: ['vendor*']\n    columns: {order_id: 单号}\n",
        encoding="utf-8",
    )
    problems = check_config(tmp_path)
    assert [(p.file, p.row, p.column, p.found) for p in problems] == [
        ("sources/vendor.yml", 3, "profiles[0].entity", "ordres")
    ]
    assert problems[0].expected.startswith("unknown entity 'ordres'")


def test_extra_checkers_see_the_scratch_database(tmp_path):
    def orders_present(context: CheckContext):
        count = context.con.execute("select count(*) from raw.orders").fetchall()[0][0]
        yield Problem(WARN, "landing", "orders/", None, "", "expectation suite", f"{count} orders")

    def broken(context: CheckContext):
        raise RuntimeError("suite missing")

    problems = check_landing(_landing(tmp_path), tmp_path, checkers=[orders_present, broken])
    assert any(p.found == "1 orders" for p in problems)
    assert any(p.expected == "checker broken to run" and p.found == "RuntimeError: suite missing" for p in problems)


# -- the command --------------------------------------------------------------------------------------


def test_check_command_exits_1_on_errors_and_prints_a_table(isolated_env, capsys):
    landing, config = _landing(isolated_env / "bad"), _config(isolated_env / "bad")
    assert main(["check", "--landing", str(landing), "--config", str(config), "--no-suites"]) == 1
    out = capsys.readouterr().out
    assert "plans[0].tiers[1].rate" in out and "must be between 0 and 1" in out
    assert "orders/2025-03.csv" in out and "soon" in out and "\x1b[" not in out  # no colours when piped
    assert out.strip().endswith("5 errors, 2 warnings")


def test_check_command_caps_rows_and_speaks_csv_and_json(isolated_env, capsys):
    landing, config = _landing(isolated_env / "bad"), _config(isolated_env / "bad")
    args = ["check", "--landing", str(landing), "--config", str(config), "--no-suites"]
    assert main([*args, "--max-rows", "2"]) == 1
    assert "... and 5 more" in capsys.readouterr().out

    assert main([*args, "--format", "csv"]) == 1
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 7 and rows[0]["column"] == "plans[0].tiers[1].rate" and rows[0]["row"] == "10"

    assert main([*args, "--format", "json", "--max-rows", "1"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert (document["errors"], document["warnings"], document["omitted"]) == (5, 2, 6)
    assert document["problems"][0]["found"] == "1.5"


def test_warnings_alone_exit_0(isolated_env, capsys):
    landing = isolated_env / "landing"
    (landing / "archive").mkdir(parents=True)
    (landing / "orders").mkdir()
    (landing / "orders" / "a.csv").write_text(
        ORDERS_HEADER + "SO1,1,2025-03-05,C1,R1,P1,2,100,completed\n", encoding="utf-8"
    )
    assert main(["check", "--landing", str(landing), "--config", str(isolated_env / "config"), "--no-suites"]) == 0
    out = capsys.readouterr().out
    assert "archive/" in out and "0 errors, 2 warnings" in out  # the unknown folder and the absent config folder


def _orders_and_a_rep(root: Path, second_line: str) -> Path:
    """A landing folder with rep R1 and two order lines: a good one of R1's and `second_line`."""
    landing = root / "landing"
    (landing / "orders").mkdir(parents=True)
    (landing / "orders" / "a.csv").write_text(
        ORDERS_HEADER + "SO1,1,2025-03-05,C1,R1,P1,2,100,completed\n" + second_line + "\n", encoding="utf-8"
    )
    (landing / "reps").mkdir()
    (landing / "reps" / "reps.csv").write_text("rep_id,region,hire_date\nR1,华东,2024-01-01\n", encoding="utf-8")
    return landing


def test_expectation_suites_report_references_with_their_severity(isolated_env, capsys):
    # Row-level checks pass here; only the suites see that R9 is no rep (ERROR: the line would be credited to
    # nobody) and that C1 / P1 are no known customer / product (WARN: the line still counts in full).
    landing = _orders_and_a_rep(isolated_env, "SO2,1,2025-03-06,C1,R9,P1,1,100,completed")
    config = isolated_env / "config"
    assert main(["check", "--landing", str(landing), "--config", str(config), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    suites = [(p["severity"], p["file"], p["column"], p["found"]) for p in problems if "expectation" in p["expected"]]
    assert ("ERROR", "orders/", "rep_id", "1 row(s); e.g. R9") in suites
    assert {(s, f, c) for s, f, c, _ in suites} == {
        ("ERROR", "orders/", "rep_id"),
        ("WARN", "orders/", "customer_id"),
        ("WARN", "orders/", "product_id"),
    }
    assert main(["check", "--landing", str(landing), "--config", str(config), "--no-suites"]) == 0
    capsys.readouterr()


def test_a_quarantined_row_and_what_would_block_a_run_are_shown(isolated_env, capsys):
    # A 红字 line is quarantined like any other rejected row; with a threshold of one row (pipeline.yml), the
    # check also says the run would block, naming the rule, the count and the example row.
    landing = _orders_and_a_rep(isolated_env, "SO2,1,2025-03-06,C1,R1,P1,-2,100,completed")
    config = isolated_env / "config"
    config.mkdir()
    (config / "pipeline.yml").write_text("data_quality:\n  money_rule_min_rows: 1\n", encoding="utf-8")
    assert main(["check", "--landing", str(landing), "--config", str(config), "--format", "json"]) == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert {
        "severity": "ERROR",
        "file": "orders/a.csv",
        "row": 3,
        "column": "quantity",
        "expected": "a quantity > 0",
        "found": "-2",
    }.items() <= next(p for p in problems if p.get("row") == 3).items()
    blocking = [p for p in problems if p["expected"].startswith("a run would block")]
    assert [(p["severity"], p["file"]) for p in blocking] == [("ERROR", "orders/")]
    assert "orders: 1 of 2 current rows (50.0%) fail a money rule (1 quarantined, 0 held" in blocking[0]["expected"]
    assert blocking[0]["found"] == 'orders/a.csv row 3: quantity: expected a quantity > 0, found "-2"'


def test_missing_landing_folder_is_an_error_problem(isolated_env, capsys):
    assert main(["check"]) == 1  # folders from SALESPERF_LANDING_DIR / SALESPERF_CONFIG_DIR
    out = capsys.readouterr().out
    assert str(isolated_env / "landing") in out and "no such folder" in out


def test_bad_max_rows_is_one_sentence_on_stderr(isolated_env, capsys):
    assert main(["check", "--max-rows", "-1"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == "salesperf: error: --max-rows must be 0 or more, found -1"


@pytest.fixture(scope="module")
def demo_landing(tmp_path_factory) -> Path:
    from salesperf.demo import generate_demo_data

    out = tmp_path_factory.mktemp("demo") / "landing"
    generate_demo_data(out, scale=5000, seed=3, as_of=dt.date(2025, 6, 30))
    return out


def test_clean_demo_landing_and_repository_config_exit_0_without_touching_the_warehouse(
    demo_landing, isolated_env, monkeypatch, capsys
):
    monkeypatch.setenv("SALESPERF_LANDING_DIR", str(demo_landing))
    monkeypatch.setenv("SALESPERF_CONFIG_DIR", str(PROJECT_ROOT / "config"))
    before = sorted(p.relative_to(demo_landing) for p in demo_landing.rglob("*"))
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "no problems found" in out and "orders" in out
    assert not (isolated_env / "warehouse").exists()  # neither the build database nor the published file
    assert sorted(p.relative_to(demo_landing) for p in demo_landing.rglob("*")) == before


@pytest.mark.parametrize(
    ("change", "row", "column"),
    [
        # a multiplier without target_incentive
        (("rate: 1.5}", "multiplier: 1.5}"), 10, "plans[0].tiers[1].multiplier"),
        # advances without an advance_rate
        (
            ("    period: quarter\n", "    period: quarter\n    pay_period: month\n    true_up: period_end\n"),
            3,  # the key is missing: the line of its plan
            "plans[0].advance_rate",
        ),
        # a guaranteed minimum cannot be recovered
        (
            (
                "    tier_method: marginal\n",
                "    tier_method: marginal\n"
                "    draw: {amount: 100, recoverable: false, from: 2025-01-01, recover_from: 2025-02-01}\n",
            ),
            8,
            "plans[0].draw.recover_from",
        ),
        # an exit clawback cannot give back more than everything (item 7)
        (
            ("    tier_method: marginal\n", "    tier_method: marginal\n    exit_clawback: {days: 30, share: 1.5}\n"),
            8,
            "plans[0].exit_clawback.share",
        ),
        # a minimum per deal needs per-deal earnings: not on a plan paid to date (item 4)
        (
            ("    period: quarter\n", "    period: quarter\n    pay_period: month\n    deal_minimum: 50\n"),
            6,
            "plans[0].deal_minimum",
        ),
        # components (item 2): a units component names its product line
        (
            (
                "    measure: net_sales\n    tier_basis: attainment\n    tier_method: marginal\n    tiers:\n"
                "      - {from: 0.0, to: 0.5, rate: 0.0}\n      - {from: 0.5, rate: 0.05}\n",
                "    target_incentive: 100\n    components:\n"
                "      - {id: a, weight: 1, measure: units, quota: 5, tiers: [{from: 0, multiplier: 1}]}\n",
            ),
            7,
            "plans[0].components[0].product_line",
        ),
        # components (item 2): the weights total 1
        (
            (
                "    measure: net_sales\n    tier_basis: attainment\n    tier_method: marginal\n    tiers:\n"
                "      - {from: 0.0, to: 0.5, rate: 0.0}\n      - {from: 0.5, rate: 0.05}\n",
                "    components:\n      - {id: a, weight: 0.5, measure: net_sales, tiers: [{from: 0, rate: 0.01}]}\n",
            ),
            5,
            "plans[0].components",
        ),
    ],
)
def test_issue_18_plan_keys_are_checked_with_their_line(tmp_path, change, row, column):
    plans = (
        PLANS_WITH_BAD_RATE.replace("rate: 1.5}", "rate: 0.05}") if change[0] != "rate: 1.5}" else PLANS_WITH_BAD_RATE
    )
    problems = check_config(_config(tmp_path, plans.replace(*change)))
    assert [(p.row, p.column) for p in problems] == [(row, column)], problems
