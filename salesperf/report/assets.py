"""The vendored Apache ECharts build (salesperf/report/vendor/echarts/README.md says how to update it)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

ECHARTS_VERSION = "6.1.0"
ECHARTS_SHA256 = "b66b25aeb4df84e33199dc21694014d336d222cbd9deb0e5a7c14bd6aa0d0fd0"
VENDOR_DIR = Path(__file__).resolve().parent / "vendor" / "echarts"
ECHARTS_JS = VENDOR_DIR / "echarts.min.js"
TEMPLATES = Path(__file__).resolve().parent / "templates"


@cache
def echarts_js() -> str:
    """The pinned echarts.min.js, checked against its recorded sha256 (a changed file is refused)."""
    data = ECHARTS_JS.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != ECHARTS_SHA256:
        raise RuntimeError(f"{ECHARTS_JS} has sha256 {digest}, expected {ECHARTS_SHA256} (echarts {ECHARTS_VERSION})")
    return data.decode("utf-8")


def template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")
