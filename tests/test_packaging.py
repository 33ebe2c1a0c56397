"""What a wheel carries: every data file the package reads at run time (a file left out of
``package-data`` exists in a checkout and in an editable install, and is missing after
``pip install newsdedup``)."""

from __future__ import annotations

import tomllib

from tests.conftest import ROOT


def test_package_data_names_every_data_file() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    for package, patterns in config["package-data"].items():
        folder = ROOT / package
        shipped = {p for pattern in patterns for p in folder.glob(pattern)}
        data = {p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc")
                and "__pycache__" not in p.parts}
        assert sorted(str(p.relative_to(ROOT)) for p in data - shipped) == []
