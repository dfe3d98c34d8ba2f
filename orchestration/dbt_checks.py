"""dbt data tests as ONE Dagster asset check per model (`dbt_tests`), not one check per test.

Why: dagster-dbt maps each of the ~270 data tests to its own asset check, and each check costs two events in
the run history (planned, evaluated), written one transaction at a time: ~540 events, several CPU-seconds and a
long run start-up even for a company of a few thousand rows (docs/benchmarks.md, issue 13 item 6). A model's
tests are read together anyway: the check passes when every test of the model passed; its severity is the worst
failing test's (ERROR for a failing error test, which also stops dbt from building anything downstream, WARN for
a warn test); its metadata lists every test with its status and failing-row count, the failing ones first.

The staging views' tests do not run in the pipeline (PIPELINE_BUILD_ARGS), so they declare no check.
Tests dagster-dbt cannot attach to one model (singular tests reading several models, without `meta.dagster.ref`)
keep its default handling (an observation on each model they read).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dagster import (
    AssetCheckKey,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetSpec,
    MetadataValue,
)
from dagster_dbt import DagsterDbtTranslator
from dagster_dbt.asset_utils import get_asset_check_key_for_test
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

from orchestration.dbt_project import UNTESTED_IN_PIPELINE

DBT_TESTS_CHECK = "dbt_tests"


class OneCheckPerModelTranslator(DagsterDbtTranslator):
    """Declares one `dbt_tests` check on each model that has data tests (specs are de-duplicated by key)."""

    def get_asset_check_spec(
        self, asset_spec: AssetSpec, manifest: Mapping[str, Any], unique_id: str, project: Any
    ) -> AssetCheckSpec | None:
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.asset_key.path[0] == UNTESTED_IN_PIPELINE:
            return None
        return AssetCheckSpec(
            DBT_TESTS_CHECK,
            asset=spec.asset_key,
            description="Every dbt data test of this model (unique, not_null, relationships, accepted values, "
            "reconciliations): passes when all pass; the metadata lists each test and its failing rows.",
        )


@dataclass
class _ModelTests:
    # (test name, passed, severity if failed, dbt status, failing rows)
    results: list[tuple[str, bool, AssetCheckSeverity, str, int | None]] = field(default_factory=list)

    def check_result(self, key: AssetCheckKey) -> AssetCheckResult:
        failed = [r for r in self.results if not r[1]]
        errors = [r for r in failed if r[2] == AssetCheckSeverity.ERROR]
        rows = sorted(self.results, key=lambda r: (r[1], r[0]))
        table = ["| test | status | failing rows |", "|---|---|---:|"] + [
            f"| {name} | {status} | {'' if n is None else n} |" for name, _, _, status, n in rows
        ]
        return AssetCheckResult(
            asset_key=key.asset_key,
            check_name=key.name,
            passed=not failed,
            severity=AssetCheckSeverity.ERROR if errors else AssetCheckSeverity.WARN,
            metadata={
                "tests": len(self.results),
                "failed": len(errors),
                "warned": len(failed) - len(errors),
                "results": MetadataValue.md("\n".join(table)),
            },
        )


def stream_with_model_checks(invocation: DbtCliInvocation, context: AssetExecutionContext) -> Iterator[Any]:
    """The invocation's Dagster events, with test results folded into one `dbt_tests` result per model, yielded
    when the build ends (also when it fails: the results then say which test stopped it)."""
    manifest, translator = invocation.manifest, invocation.dagster_dbt_translator
    selected = set(context.selected_asset_check_keys)
    by_model: dict[AssetCheckKey, _ModelTests] = {}

    def results() -> Iterator[AssetCheckResult]:
        return (tests.check_result(key) for key, tests in by_model.items())

    try:
        for event in invocation.stream_raw_events():
            unique_id = event.raw_event.get("data", {}).get("node_info", {}).get("unique_id") or ""
            if unique_id.startswith("test.") and event.is_result_event:
                test_key = get_asset_check_key_for_test(manifest, translator, unique_id, project=invocation.project)
                key = AssetCheckKey(test_key.asset_key, DBT_TESTS_CHECK) if test_key else None
                if key in selected:
                    # dagster-dbt's own reading of a test result (what its per-test checks would report)
                    passed, severity = event._get_check_passed(), event._get_check_severity()  # noqa: SLF001
                    row = (manifest["nodes"][unique_id]["name"], passed, severity, event._get_node_status())  # noqa: SLF001
                    by_model.setdefault(key, _ModelTests()).results.append(
                        (*row, event.raw_event["data"].get("num_failures"))
                    )
                    continue
            yield from event.to_default_asset_events(
                manifest=manifest,
                dagster_dbt_translator=translator,
                context=context,
                target_path=invocation.target_path,
                project=invocation.project,
            )
    except GeneratorExit:
        raise
    except BaseException:
        yield from results()
        raise
    yield from results()
