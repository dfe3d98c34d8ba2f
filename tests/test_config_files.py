"""Config loading: optional files, YAML syntax errors with a position, key paths in validation errors."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, field_validator

from salesperf.config.files import ConfigError, key_path, load_config


class Tier(BaseModel):
    rate: float

    @field_validator("rate")
    @classmethod
    def _rate_range(cls, value: float) -> float:
        if not 0 <= value <= 1:
            raise ValueError("must be between 0 and 1")
        return value


class Plan(BaseModel):
    id: str
    tiers: list[Tier] = Field(default_factory=list)


class Plans(BaseModel):
    plans: list[Plan]


def test_key_path_formats_lists_and_keys():
    assert key_path(("plans", 2, "tiers", 1, "rate")) == "plans[2].tiers[1].rate"
    assert key_path(()) == "(top level)"


def test_missing_file_means_feature_off(tmp_path):
    assert load_config(tmp_path / "commission_plans.yml", Plans) is None


def test_invalid_value_names_the_key_path(tmp_path):
    path = tmp_path / "commission_plans.yml"
    path.write_text("plans:\n  - id: a\n  - id: b\n  - id: c\n    tiers: [{rate: 0.1}, {rate: 3}]\n")
    with pytest.raises(ConfigError) as info:
        load_config(path, Plans)
    # issue 18: the message ends with the line of the key in the file
    assert str(info.value) == "commission_plans.yml: plans[2].tiers[1].rate: must be between 0 and 1 (line 5)"


def test_yaml_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "targets.yml"
    path.write_text("plan_year: 2026\ngrowth: [0.1\n")
    with pytest.raises(ConfigError, match=r"targets.yml: not valid YAML at line \d+, column \d+"):
        load_config(path, Plans)


def test_valid_file_loads(tmp_path):
    path = tmp_path / "commission_plans.yml"
    path.write_text("plans:\n  - id: field\n    tiers: [{rate: 0.03}]\n")
    assert load_config(path, Plans).plans[0].tiers[0].rate == 0.03
