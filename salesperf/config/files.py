"""Reading the YAML config files of docs/contract.md section 3 with errors that name the key path.

Each config file is optional; a file that is present but invalid stops the run with a message such as
`commission_plans.yml: plans[2].tiers[1].rate: must be between 0 and 1`. The shape of each file is a
pydantic model defined next to the feature that uses it; this module only loads and reports.
"""

from __future__ import annotations

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


def _message(error: dict) -> str:
    # Drop pydantic's "Value error, " prefix: our validators already write plain sentences.
    message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
    location = tuple(p for p in error.get("loc", ()) if not (isinstance(p, str) and p.startswith("function-")))
    return f"{key_path(location)}: {message}"


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
        problems = "; ".join(_message(e) for e in exc.errors())
        raise ConfigError(f"{path.name}: {problems}") from None
