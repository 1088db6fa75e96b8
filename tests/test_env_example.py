"""The committed .env.example names every setting the settings classes read, and nothing else."""

import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("env_example", ROOT / "scripts" / "env_example.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["env_example"] = module  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    return module


def test_every_setting_is_in_env_example_and_nothing_else() -> None:
    problems = _generator().drift((ROOT / ".env.example").read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


def test_env_example_is_what_make_env_example_writes() -> None:
    gen = _generator()
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == gen.render(), (
        "the settings' descriptions changed since .env.example was written: run `make env-example`")


def test_every_setting_has_a_description() -> None:
    undescribed = [item.name for _, items in _generator().entries() for item in items if "TODO" in item.comment]
    assert not undescribed, f"give these settings a Field(description=...) for .env.example: {undescribed}"


def test_drift_names_the_lines_to_add_and_to_remove() -> None:
    gen = _generator()
    text = gen.render().replace("RUECOMMUNE_TIMEZONE=", "RUECOMMUNE_TIME_ZONE=")
    problems = "\n".join(gen.drift(text))
    assert "# time zone of business days, deadlines and pages\nRUECOMMUNE_TIMEZONE=Europe/Paris\n" in problems
    assert "remove the lines of: RUECOMMUNE_TIME_ZONE" in problems
