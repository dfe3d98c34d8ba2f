"""Every config file a run reads, validated with the models a run uses (salesperf.config.specs) and the source
profiles (config/sources/*.yml); each failure is a problem whose column is the key path
(`plans[0].tiers[1].rate`) and whose row is the line in the YAML file."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from pathlib import Path

import yaml
from pydantic import ValidationError

from ingestion import profiles
from ingestion.profiles import SourceProfile
from salesperf.cli.check.problems import CONFIG, ERROR, WARN, Problem, sort_key
from salesperf.config.files import ConfigError, key_path, load_config
from salesperf.config.specs import all_specs
from salesperf.config.tables import ConfigSpec


def check_config(config_dir: Path) -> list[Problem]:
    """Problems in every config file a run reads: each registered ConfigSpec file and the source profiles.
    Absent files are fine (each feature is optional); YAML files nobody reads are a WARN (a typo in a file
    name silently turns a feature off)."""
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        return [
            Problem(
                WARN,
                CONFIG,
                str(config_dir),
                None,
                "",
                "the config folder (every file optional)",
                "no such folder: targets, scorecards and commissions are off",
            )
        ]
    problems: list[Problem] = []
    specs = all_specs()
    for spec in specs:
        problems += _spec_problems(config_dir / spec.file_name, spec)
    _, profile_error = source_profiles(config_dir)
    if profile_error is not None:
        problems += config_error_problems(profile_error, config_dir, default_file="sources/")
    known = {spec.file_name for spec in specs}
    for path in sorted([*config_dir.glob("*.yml"), *config_dir.glob("*.yaml")]):
        if path.name not in known:
            close = difflib.get_close_matches(path.name, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(
                Problem(
                    WARN,
                    CONFIG,
                    path.name,
                    None,
                    "",
                    f"one of {', '.join(sorted(known))}{hint}",
                    "a file salesperf does not read",
                )
            )
    problems.sort(key=sort_key)
    return problems


def source_profiles(config_dir: Path) -> tuple[list[SourceProfile] | None, ValueError | None]:
    """(the source profiles a run would use, None) or (None, why loading them fails)."""
    try:
        return profiles.load_profiles(config_dir), None
    except ValueError as exc:
        return None, exc


def _spec_problems(path: Path, spec: ConfigSpec) -> list[Problem]:
    """Validate like a run (load_config, then the spec's rows) and give each failure its own problem."""
    try:
        model = load_config(path, spec.model)
        if model is not None:
            spec.rows(model)
    except ConfigError as exc:
        # load_config raises `from None`, which keeps the ValidationError as __context__: its structured
        # errors give the offending value and the exact location, better than parsing the joined message.
        if isinstance(exc.__context__, ValidationError):
            return _validation_problems(path, exc.__context__)
        return config_error_problems(exc, path.parent, default_file=path.name)
    except Exception as exc:  # noqa: BLE001  (a run would fail on it too: report, and check the other files)
        return [
            Problem(ERROR, CONFIG, path.name, None, "", "a config file a run can load", f"{type(exc).__name__}: {exc}")
        ]
    return []


def _validation_problems(path: Path, error: ValidationError, file: str | None = None) -> list[Problem]:
    lines = _line_finder(path)
    file = file or path.name
    problems = []
    for item in error.errors():
        location = tuple(p for p in item.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        value = item.get("input")
        found = "" if isinstance(value, dict | list) or item.get("type") == "missing" else _show(value)
        for sub_path, sub_message in _split_message(message):
            full = location + sub_path
            problems.append(
                Problem(ERROR, CONFIG, file, lines(full), key_path(full), sub_message, found if not sub_path else "")
            )
    return problems


def _show(value: object) -> str:
    return "blank" if value is None else str(value)


_PATH = r"[A-Za-z_]\w*(?:\[\d+\])*(?:\.[A-Za-z_]\w*(?:\[\d+\])*)*"


_PATH_PART = re.compile(rf"^(?P<path>{_PATH}): (?P<message>.+)$", re.S)


def _split_message(message: str) -> list[tuple[tuple[int | str, ...], str]]:
    """A model-level validator may report several problems at once, each naming its own key path
    (`assignments[3].plan: unknown plan 'x'; assignments[4]: overlaps assignments[2] …`): split them, but
    only when every part starts with a key path, so a plain sentence holding "; " stays whole."""
    matches = [_PATH_PART.match(p) for p in message.split("; ")]
    if all(matches):
        return [(_parse_path(m["path"]), m["message"]) for m in matches if m]
    return [((), message)]


def _parse_path(text: str) -> tuple[int | str, ...]:
    """'plans[0].tiers[1].rate' -> ('plans', 0, 'tiers', 1, 'rate')."""
    location: list[int | str] = []
    for name, index in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", text):
        location.append(name if name else int(index))
    return tuple(location)


def config_error_problems(error: ValueError, config_dir: Path, *, default_file: str) -> list[Problem]:
    """Problems from a ConfigError's text, `file.yml: a.b[1].c: message; d: message` (the format of
    salesperf.config.files), for loaders whose structured errors are not at hand (source profiles)."""
    text = str(error).strip()
    file, sep, rest = text.partition(": ")
    if not sep or not re.search(r"\.ya?ml$", file):
        file, rest = default_file, text
    # A profile's message may name it relative to the config folder or by its bare name.
    path = next((p for p in (config_dir / file, config_dir / "sources" / file) if p.is_file()), None)
    lines = _line_finder(path) if path is not None else (lambda _loc: None)
    if path is not None and path.resolve().is_relative_to(config_dir.resolve()):
        file = path.resolve().relative_to(config_dir.resolve()).as_posix()  # sources/crm.yml, not crm.yml
    if path is not None and isinstance(error.__context__, ValidationError):  # see _spec_problems
        return _validation_problems(path, error.__context__, file)
    if rest.startswith("not valid YAML"):
        line = re.search(r"at line (\d+)", rest)
        return [
            Problem(
                ERROR,
                CONFIG,
                file,
                int(line[1]) if line else None,
                "",
                "valid YAML",
                rest.removeprefix("not valid YAML ").removeprefix(": "),
            )
        ]
    problems = []
    for part in rest.split("; "):
        match = _PATH_PART.match(part)
        if match:
            location = _parse_path(match["path"])
            problems.append(Problem(ERROR, CONFIG, file, lines(location), match["path"], match["message"], ""))
        elif problems:  # a message holding "; " itself: glue it back to the part it belongs to
            last = problems[-1]
            problems[-1] = Problem(
                last.severity, last.area, last.file, last.row, last.column, f"{last.expected}; {part}", last.found
            )
        else:
            problems.append(Problem(ERROR, CONFIG, file, None, "", part, ""))
    return problems


def _line_finder(path: Path) -> Callable[[tuple[int | str, ...]], int | None]:
    """location -> line (1-based) of that key in the YAML file, or of its closest existing parent."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        root = None

    def find(location: tuple[int | str, ...]) -> int | None:
        node, line = root, None
        for part in location:
            child = None
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                        child, line = value, key.start_mark.line + 1
                        break
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line + 1
            if child is None:
                break
            node = child
        return line

    return find
