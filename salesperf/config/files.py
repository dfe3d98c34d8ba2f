"""Reading the YAML config files of docs/contract.md section 3 with errors that name the key path.

Each config file is optional; a file that is present but invalid stops the run with a message such as
`commission_plans.yml: plans[2].tiers[1].rate: must be between 0 and 1 (line 14)`: the key path, then
the line of the YAML file it is on. The shape of each file is a
pydantic model defined next to the feature that uses it; this module only loads and reports.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class ConfigError(ValueError):
    """A config file is present but invalid; the message names the file and the key path."""


def key_path(location: tuple[int | str, ...]) -> str:
    """('plans', 2, 'tiers', 1, 'rate') -> 'plans[2].tiers[1].rate'."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or "(top level)"


# A model validator may name the key inside its object it complains about: "tiers[2].multiplier: needs ...".
_RELATIVE_KEY = re.compile(r"^([a-z_]+(?:\[\d+\])*(?:\.[a-z_]+(?:\[\d+\])*)*): ")
_PART = re.compile(r"([a-z_]+)|\[(\d+)\]")


def _line_of(root: yaml.Node | None, location: tuple[int | str, ...]) -> int | None:
    """1-based line of the deepest node of `location` found in the composed YAML (the key's own line for a
    mapping value), None when the document has no such node."""
    node, line = root, None
    for part in location:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == part), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _message(error: dict, root: yaml.Node | None = None) -> str:
    # Drop pydantic's "Value error, " prefix: our validators already write plain sentences.
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    location = tuple(p for p in error.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
    relative = _RELATIVE_KEY.match(message)
    if relative:
        parts = [int(i) if i else k for k, i in _PART.findall(relative.group(1))]
        location, message = (*location, *parts), message[relative.end() :]
    line = _line_of(root, location)
    return f"{key_path(location)}: {message}" + (f" (line {line})" if line else "")


def load_config(path: Path, model: type[Model]) -> Model | None:
    """The validated content of `path`, or None when the file does not exist (config is optional)."""
    if not path.exists():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(f"{path.name}: not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        root = yaml.compose(path.read_text(encoding="utf-8"))
        problems = "; ".join(_message(e, root) for e in exc.errors())
        raise ConfigError(f"{path.name}: {problems}") from None
