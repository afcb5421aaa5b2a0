"""Walking a BeautifulSoup tree fast: the element lists that `find_all(True)` and `find_all(names)` give,
in document order, without bs4's general matching machinery (which costs more than the walk itself)."""

from __future__ import annotations

from collections.abc import Collection

from bs4 import Tag


def elements(root: Tag) -> list[Tag]:
    """Every element below `root` in document order: root.find_all(True)."""
    return [node for node in root.descendants if isinstance(node, Tag)]


def elements_named(root: Tag, names: Collection[str]) -> list[Tag]:
    """The elements below `root` with one of these tag names, in document order: root.find_all(names)."""
    return [node for node in root.descendants if isinstance(node, Tag) and node.name in names]
