"""The manager report: one thin asset over salesperf.report, after publish (docs/report.md)."""

import datetime as dt
import shutil

from dagster import AssetExecutionContext, AssetKey, Config, MaterializeResult, MetadataValue, asset

from orchestration.resources import SalesperfSettings
from salesperf.report import build_report

REPORT_PREFIX = "salesperf-report-"


class ManagerReportConfig(Config):
    """Run config of `manager_report` (all optional)."""

    period: str | None = None  # the period the page opens on, 2026 or 2026-Q3 (default: the as-of quarter)
    locale: str | None = None  # zh or en (default: SALESPERF_LOCALE, else zh)
    keep_last: int = 60  # reports of earlier runs kept in the reports folder (latest.html aside)


@asset(
    key=AssetKey(["manager_report"]),
    group_name="serving",
    deps=[AssetKey(["published_warehouse"])],
    description="Static, self-contained HTML report for managers (charts and tables, no network, can be e-mailed), "
    "built from the published file: <build dir>/reports/salesperf-report-<as-of>-<run>.html per run, and "
    "latest.html (docs/report.md).",
    kinds={"html"},
)
def manager_report(
    context: AssetExecutionContext, settings: SalesperfSettings, config: ManagerReportConfig
) -> MaterializeResult:
    cfg = settings.resolve()
    folder = cfg.build_dir / "reports"
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
    out = folder / f"{REPORT_PREFIX}{cfg.as_of.isoformat()}-{stamp}-{context.run.run_id[:8]}.html"
    result = build_report(cfg.warehouse, out, period=config.period, locale=config.locale)
    latest = folder / "latest.html"
    shutil.copyfile(out, folder / ".latest.html.tmp")  # a copy, not a link: it is what people mail
    (folder / ".latest.html.tmp").replace(latest)
    runs = sorted(folder.glob(f"{REPORT_PREFIX}*.html"), key=lambda p: p.stat().st_mtime)
    for old in runs[: max(0, len(runs) - max(1, config.keep_last))]:
        old.unlink()
    context.log.info(f"report {out} ({result.bytes / 1e6:.1f} MB, {result.seconds:.1f} s); latest: {latest}")
    for line in result.omitted:
        context.log.info(f"report: omitted {line}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(out)),
            "latest": MetadataValue.path(str(latest)),
            "folder": MetadataValue.path(str(folder)),
            "bytes": result.bytes,
            "seconds": round(result.seconds, 2),
            "period": result.period,
            "locale": result.locale,
            "blocks": len(result.blocks),
            "omitted": MetadataValue.md("\n".join(f"- {line}" for line in result.omitted) or "none"),
        }
    )
