"""dbt_project/README.md's DAG is generated from the manifest (dbt_project/scripts/readme_dag.py) and kept current."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = PROJECT_ROOT / "dbt_project" / "scripts" / "readme_dag.py"


def _readme_dag():
    spec = importlib.util.spec_from_file_location("readme_dag", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_readme_dag_is_current(dbt_manifest):
    readme_dag = _readme_dag()
    readme = readme_dag.README.read_text(encoding="utf-8")
    regenerated = readme_dag.replace_section(readme, readme_dag.render(json.loads(dbt_manifest.read_text())))
    assert regenerated == readme, "dbt_project/README.md's DAG is stale: run python dbt_project/scripts/readme_dag.py"


def test_every_model_and_source_is_drawn(dbt_manifest):
    manifest = json.loads(dbt_manifest.read_text())
    section = _readme_dag().render(manifest)
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert f"Every model ({len(models)})" in section
    for model in models:
        assert f"        {model['name']}\n" in section, model["name"]
    for source_name in {s["source_name"] for s in manifest["sources"].values()}:
        assert f"src_{source_name} --> " in section
    # only staging reads sources: no arrow from a source node into another layer's folder
    folder_edges = [line.split() for line in section.splitlines() if line.startswith("    src_") and " --> f_" in line]
    assert folder_edges and all(target.startswith("f_staging_") for _, _, target in folder_edges)


def test_render_groups_by_folder_and_collapses_sources():
    def model(name, folder, *parents):
        return {
            "resource_type": "model",
            "name": name,
            "original_file_path": f"models/{folder}/{name}.sql",
            "depends_on": {"nodes": list(parents)},
        }

    manifest = {
        "nodes": {
            "model.p.stg_raw__a": model("stg_raw__a", "staging/raw", "source.p.raw.a"),
            "model.p.stg_raw__b": model("stg_raw__b", "staging/raw", "source.p.raw.b"),
            "model.p.int_x": model("int_x", "intermediate/sales", "model.p.stg_raw__a", "model.p.stg_raw__b"),
            "model.p.fct_y": model("fct_y", "marts/sales", "model.p.int_x", "model.p.stg_raw__a"),
            "test.p.not_null": {"resource_type": "test", "depends_on": {"nodes": ["model.p.fct_y"]}},
        },
        "sources": {
            "source.p.raw.a": {"source_name": "raw"},
            "source.p.raw.b": {"source_name": "raw"},
        },
    }
    section = _readme_dag().render(manifest)
    assert "4 models in 3 folders, read from 2 source tables (raw: 2)" in section
    assert '    src_raw[("raw.*<br/>2 tables")]' in section
    assert '        f_marts_sales["marts/sales<br/>1 model"]' in section
    # folder edges: one per pair of folders, however many model edges cross it
    for edge in (
        "src_raw --> f_staging_raw",
        "f_staging_raw --> f_intermediate_sales",
        "f_staging_raw --> f_marts_sales",
        "f_intermediate_sales --> f_marts_sales",
    ):
        assert section.count(f"    {edge}\n") == 1, edge
    # model edges, sources collapsed to their source; tests are not drawn
    for edge in ("src_raw --> stg_raw__a", "src_raw --> stg_raw__b", "stg_raw__a --> int_x", "int_x --> fct_y"):
        assert f"    {edge}\n" in section, edge
    assert "not_null" not in section
