"""The domain core imports neither Flask nor SQLAlchemy (checked in a fresh interpreter)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import evalflow.domain

DOMAIN = Path(evalflow.domain.__file__).parent


def test_domain_imports_neither_flask_nor_sqlalchemy():
    modules = [f"evalflow.domain.{m.name}" for m in pkgutil.iter_modules([str(DOMAIN)])]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "bad = sorted(n for n in sys.modules if n.split('.')[0] in {'flask', 'sqlalchemy', 'flask_sqlalchemy'})\n"
        + "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert len(modules) >= 5
    assert result.stdout.strip() == ""
