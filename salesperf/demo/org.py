"""The organisation: directors, managers and reps with hires, leavers and teams (reps.csv, UTF-8 with BOM)."""

from __future__ import annotations

import csv
import datetime
from dataclasses import dataclass

import pyarrow as pa

from ingestion.entities import ENTITIES
from salesperf.demo.company import REGION_WEIGHT, REGIONS, Run, largest_remainder, pick_one, uniform
from salesperf.demo.writers import load_table

_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"

_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰萍红娟建国文辉鹏宇浩晨欣怡佳琳子轩博雅婷思远"

_CN_DIGITS = "零一二三四五六七八九"


@dataclass
class _Person:
    region: str
    team: str | None
    role: str
    hire_date: datetime.date
    termination_date: datetime.date | None
    quality: float  # selling strength: share of orders and of targets
    key: str  # stable identity before rep ids are assigned
    rep_id: str = ""
    manager_key: str | None = None


def _chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 23 -> 二十三, 105 -> 一百零五 (team names such as 华东十二组)."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    hundreds, rest = divmod(n, 100)
    if rest == 0:
        tail = ""
    elif rest < 10:
        tail = "零" + _CN_DIGITS[rest]
    else:
        tail = _chinese_number(rest) if rest >= 20 else "一" + _chinese_number(rest)
    return _CN_DIGITS[hundreds] + "百" + tail


def _organisation(run: Run) -> list[_Person]:
    """Directors, managers and reps with hire/termination dates; ids assigned in hiring order."""
    seed, start, as_of = run.seed, run.start, run.as_of
    n_people = max(120, run.scale // 5000)
    n_teams = max(len(REGIONS), round(n_people / 9))  # a manager and ~8 reps per team
    n_reps = n_people - len(REGIONS) - n_teams
    teams_per_region = largest_remainder(n_teams, [REGION_WEIGHT[r] for r in REGIONS], minimum=1)
    team_list = [
        (region, f"{region}{_chinese_number(i + 1)}组")
        for region, k in zip(REGIONS, teams_per_region, strict=True)
        for i in range(k)
    ]
    team_sizes = largest_remainder(n_reps, [0.75 + 0.5 * uniform(seed, "team", t) for _, t in team_list])

    def days_before_start(key: str, lo: int, hi: int) -> datetime.date:
        return start - datetime.timedelta(days=lo + int((hi - lo) * uniform(seed, "hire", key)))

    people: list[_Person] = []
    for region in REGIONS:
        people.append(
            _Person(region, None, "director", days_before_start(region, 1500, 4000), None, 1.0, key=f"D-{region}")
        )
    history_days = (as_of - start).days
    for (region, team), size in zip(team_list, team_sizes, strict=True):
        manager = _Person(
            region,
            team,
            "manager",
            days_before_start(team, 400, 3500),
            None,
            1.0,
            key=f"M-{team}",
            manager_key=f"D-{region}",
        )
        people.append(manager)
        for i in range(size):
            key = f"S-{team}-{i}"
            if uniform(seed, "veteran", key) < 0.68:  # most reps were already on board when history starts
                hired = days_before_start(key, 30, 2500)
            else:  # the rest are hired during history, some within the last year
                hired = start + datetime.timedelta(days=int((history_days - 45) * uniform(seed, "hire", key)))
            left = None
            if uniform(seed, "leaver", key) < 0.18:
                lo = max(hired + datetime.timedelta(days=120), start + datetime.timedelta(days=30))
                span = (as_of - datetime.timedelta(days=7) - lo).days
                if span > 0:
                    left = lo + datetime.timedelta(days=int(span * uniform(seed, "left", key)))
            people.append(
                _Person(
                    region,
                    team,
                    "rep",
                    hired,
                    left,
                    0.6 + uniform(seed, "quality", key),
                    key=key,
                    manager_key=manager.key,
                )
            )
    people.sort(key=lambda p: (p.hire_date, p.key))
    for i, person in enumerate(people):
        person.rep_id = f"R{i + 1:04d}"
    return people


def _person_name(seed: int, key: str) -> str:
    given = pick_one(seed, _GIVEN, "given1", key)
    if uniform(seed, "two-char", key) < 0.7:
        given += pick_one(seed, _GIVEN, "given2", key)
    return pick_one(seed, _SURNAMES, "surname", key) + given


def write_reps(run: Run) -> int:
    people = _organisation(run)
    ids = {p.key: p.rep_id for p in people}
    rows = [
        {
            "rep_id": p.rep_id,
            "rep_name": _person_name(run.seed, p.key),
            "email": f"{p.rep_id.lower()}@hengtai-demo.cn",
            "region": p.region,
            "team": p.team or "",
            "manager_id": ids[p.manager_key] if p.manager_key else "",
            "role": p.role,
            "hire_date": p.hire_date.isoformat(),
            "termination_date": p.termination_date.isoformat() if p.termination_date else "",
        }
        for p in people
    ]
    columns = ENTITIES["reps"].column_names
    with open(run.out_dir / "reps" / "reps.csv", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    load_table(
        run,
        "reps",
        {
            "rep_id": [p.rep_id for p in people],
            "region": [p.region for p in people],
            "team": [p.team for p in people],
            "role": [p.role for p in people],
            "hire_date": [p.hire_date for p in people],
            "termination_date": [p.termination_date for p in people],
            "quality": [p.quality for p in people],
        },
        {"termination_date": pa.date32()},
    )
    # Sellers carry customers and book orders; managers earn overrides, directors neither.
    run.con.execute("""CREATE TABLE sellers AS
        SELECT *, (row_number() OVER (ORDER BY rep_id) - 1)::BIGINT AS seller_idx
        FROM reps WHERE role = 'rep' ORDER BY rep_id""")
    n_reps = sum(p.role == "rep" for p in people)
    n_left = sum(p.termination_date is not None for p in people)
    run.progress(f"reps: {len(people)} ({n_reps} sellers, {n_left} leavers)")
    return len(people)
