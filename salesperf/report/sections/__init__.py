"""The report's sections: each is a list of parts, a part is one query of the marts and the blocks drawn
from it. A part is included when every mart it reads is in the published file, and omitted with a note
otherwise, so a section appears by itself once its marts land."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import duckdb

from salesperf.report.charts import Block
from salesperf.report.source import Context, Table


def in_window(alias: str = "") -> str:
    """Rows of the page's periods (quarters and years) in the years the report covers."""
    p = f"{alias}." if alias else ""
    return f"{p}period_type in ('quarter', 'year') and year({p}period_start) between $first_year and $last_year"


@dataclass(frozen=True)
class Part:
    dataset: str
    marts: tuple[str, ...]
    sql: str | Callable[[Context], str]
    blocks: tuple[Block, ...] | Callable[[Context], tuple[Block, ...]]


@dataclass(frozen=True)
class Section:
    id: str
    title: str  # label key
    parts: tuple[Part, ...]


@dataclass
class Omitted:
    section: str
    blocks: tuple[str, ...]  # label keys of the blocks left out
    marts: tuple[str, ...]
    reason: str  # "missing" or "error"
    error: str = ""


@dataclass
class Assembled:
    datasets: dict[str, Table] = field(default_factory=dict)
    blocks: dict[str, list[Block]] = field(default_factory=dict)  # section id -> blocks, in order
    omitted: list[Omitted] = field(default_factory=list)


def _block_titles(part: Part, ctx: Context) -> tuple[str, ...]:
    if callable(part.blocks):
        try:
            return tuple(dict.fromkeys(b.title for b in part.blocks(ctx)))
        except duckdb.Error:
            return (part.dataset,)
    return tuple(dict.fromkeys(b.title for b in part.blocks))


def assemble(sections: tuple[Section, ...], ctx: Context) -> Assembled:
    out = Assembled()
    for section in sections:
        out.blocks[section.id] = []
        for part in section.parts:
            missing = tuple(m for m in part.marts if not ctx.has(m))
            if missing:
                out.omitted.append(Omitted(section.id, _block_titles(part, ctx), missing, "missing"))
                continue
            sql = part.sql(ctx) if callable(part.sql) else part.sql
            table = ctx.query(sql)
            blocks = part.blocks(ctx) if callable(part.blocks) else part.blocks
            out.datasets[part.dataset] = table
            out.blocks[section.id] += [_with_marts(b, part.marts) for b in blocks]
    return out


def _with_marts(block: Block, marts: tuple[str, ...]) -> Block:
    return block if block.marts else replace(block, marts=marts)


def all_sections() -> tuple[Section, ...]:
    from salesperf.report.sections import collections, commissions, company, org, process, products

    return (company.SECTION, org.SECTION, products.SECTION, process.SECTION, collections.SECTION, commissions.SECTION)
