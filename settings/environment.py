"""Environment overrides for the settings module.

Every ``NEWSDEDUP_*`` setting can be set from the environment under its own
name. The value is parsed by the type of the default: ``int``, ``float``,
``bool`` (1/0, true/false, yes/no), a list (comma-separated) or a string.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from typing import Any

PREFIX = "NEWSDEDUP_"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def parse_value(name: str, raw: str, default: Any) -> Any:
    """Parse ``raw`` to the type of ``default``; raise ValueError with the setting name."""
    try:
        if isinstance(default, bool):
            low = raw.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(f"expected one of {sorted(_TRUE | _FALSE)}")
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, (list, tuple)):
            return [part.strip() for part in raw.split(",") if part.strip()]
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r}: {exc}") from None
    return raw


def apply_environment(
    namespace: MutableMapping[str, Any], environ: Mapping[str, str] | None = None
) -> None:
    """Replace each ``NEWSDEDUP_*`` default in ``namespace`` with its environment value."""
    env = os.environ if environ is None else environ
    for name, default in list(namespace.items()):
        if name.startswith(PREFIX) and name in env:
            namespace[name] = parse_value(name, env[name], default)
