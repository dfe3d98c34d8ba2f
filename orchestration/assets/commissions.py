"""Finance exports of closed commission periods: one thin asset over salesperf.serving.commission_export."""

from __future__ import annotations

from dagster import AssetKey, MaterializeResult, MetadataValue, asset

from orchestration.resources import SalesperfSettings
from salesperf.serving.commission_export import closed_periods, export_commissions

EXPORT_FORMATS = ("xlsx", "csv", "parquet")


@asset(
    key=AssetKey(["exports", "commissions"]),
    group_name="serving",
    deps=[AssetKey(["published_warehouse"])],
    description="For every closed commission period (`salesperf close-period`), the statements summary and "
    "lines as xlsx, CSV (UTF-8 with BOM) and parquet in <build dir>/exports/commissions/ "
    "(docs/commissions.md, 'Finance exports').",
    kinds={"python", "excel"},
)
def commission_exports(context, settings: SalesperfSettings) -> MaterializeResult:
    # `context` unannotated: see orchestration/assets/config.py.
    cfg = settings.resolve()
    out = cfg.export_dir / "commissions"
    written = []
    for label in closed_periods(cfg.warehouse):
        for fmt in EXPORT_FORMATS:
            written += export_commissions(cfg.warehouse, out, label, fmt).files
    context.log.info(f"wrote {len(written)} commission export files to {out}")
    return MaterializeResult(
        metadata={
            "folder": MetadataValue.path(str(out)),
            "files": MetadataValue.md("\n".join(f"- {p.name}" for p in written) or "no closed period yet"),
        }
    )
