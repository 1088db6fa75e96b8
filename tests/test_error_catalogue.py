"""One error catalogue: every domain error lives in core/errors.py with a unique code and FR/EN titles."""

import importlib
import pkgutil

import pytest

from core import errors
from core.errors import DomainError

PACKAGES = ("core", "geo", "dispatch", "maps", "api", "cli")


def _import_everything() -> None:
    for name in PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            if ".migrations." not in module.name:
                importlib.import_module(module.name)


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_domain_error_is_in_the_catalogue() -> None:
    _import_everything()
    outside = sorted(f"{c.__module__}.{c.__name__}" for c in _subclasses(DomainError)
                     if c.__module__ != errors.__name__)
    assert outside == [], "domain errors belong to core/errors.py"


@pytest.mark.parametrize("error", sorted(_subclasses(DomainError), key=lambda c: c.__name__), ids=lambda c: c.__name__)
def test_each_error_speaks_french_and_english(error: type[DomainError]) -> None:
    assert error.title_fr and error.title_en and error.title_fr != error.title_en
    assert error.code != DomainError.code


def test_codes_are_unique() -> None:
    codes = [c.code for c in _subclasses(DomainError)]
    assert len(codes) == len(set(codes)), sorted(c for c in codes if codes.count(c) > 1)
