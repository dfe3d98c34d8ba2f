"""The CLI's promises: one-sentence errors (no traceback), and demo-data writes a company."""

from __future__ import annotations

import subprocess
import sys

from salesperf.cli.main import build_parser, main


def test_run_without_a_landing_folder_is_one_clear_sentence(isolated_env, capsys):
    assert main(["run"]) == 1
    out = capsys.readouterr().err.strip()
    assert out.startswith("salesperf: error: landing folder") and "does not exist" in out
    assert "Traceback" not in out and len(out.splitlines()) <= 2


def test_bad_as_of_date_is_named(isolated_env, monkeypatch, capsys):
    monkeypatch.setenv("SALESPERF_AS_OF", "31/03/2025")
    assert main(["run"]) == 1
    assert "SALESPERF_AS_OF must be a date like 2025-03-31, found '31/03/2025'" in capsys.readouterr().err


def test_console_script_prints_no_traceback(isolated_env):
    proc = subprocess.run([sys.executable, "-m", "salesperf.cli", "run"], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.stderr.startswith("salesperf: error:") and len(proc.stderr.strip().splitlines()) == 1


def test_parser_knows_the_contract_commands():
    parser = build_parser()
    args = parser.parse_args(["demo-data", "--out", "x", "--scale", "10000000", "--seed", "3"])
    assert (args.out, args.scale, args.seed) == ("x", 10_000_000, 3)
    for command in (["demo"], ["run"], ["ui"]):
        assert parser.parse_args(command).func.__name__ == f"cmd_{command[0]}"


def test_demo_data_command_writes_every_entity(tmp_path, capsys):
    from ingestion.entities import ENTITY_NAMES

    assert main(["demo-data", "--out", str(tmp_path), "--scale", "5000", "--as-of", "2025-06-30"]) == 0
    written = {p.name for p in tmp_path.iterdir() if p.is_dir() and any(p.iterdir())}
    assert written == set(ENTITY_NAMES)
    assert "generated" in capsys.readouterr().out
