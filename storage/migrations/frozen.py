"""An earlier migration's module, for a later one that builds on its frozen values (0004's configuration
chooser, 0014's compression step): loaded from its file, as revision files are not importable by name."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

VERSIONS = Path(__file__).with_name("versions")


def revision_module(filename: str) -> ModuleType:
    """The module of the revision file `filename` in versions/."""
    path = VERSIONS / filename
    spec = importlib.util.spec_from_file_location(f"newsdesk_migration_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
