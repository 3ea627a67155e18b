"""The app's modules by kind, for tests that check a rule across every face or form of the app."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import evalflow

ROOT = Path(evalflow.__file__).parent


def names(*suffixes: str) -> list[str]:
    """Dotted names of the app's modules whose last part ends with one of *suffixes*
    (``"pages"`` finds ``pages``, ``office_pages`` …; ``"api"`` finds ``api``, ``units_api`` …)."""
    found = []
    for module in pkgutil.walk_packages(evalflow.__path__, "evalflow."):
        if module.name.rsplit(".", 1)[-1].endswith(suffixes):
            found.append(module.name)
    return sorted(found)


def import_all(*suffixes: str) -> list[str]:
    found = names(*suffixes)
    for name in found:
        importlib.import_module(name)
    return found


def path_of(name: str) -> Path:
    module = importlib.import_module(name)
    return Path(module.__file__ or "")
