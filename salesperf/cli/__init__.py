"""The `salesperf` command (console script `salesperf = "salesperf.cli:main"`; also `python -m salesperf.cli`).

`main` (main.py): demo, run, demo-data, ui; `commissions`: close-period, export commissions, simulate;
`check_command` and the `check` package: salesperf check; `runner`: the whole job with live progress.
The CLI is the top layer: it may import orchestration, the libraries and the demo generator; nothing imports it.
"""

from salesperf.cli.main import main

__all__ = ["main"]
