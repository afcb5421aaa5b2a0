"""Walking a BeautifulSoup tree fast: the element lists that `find_all(True)` and `find_all(names)` give,
in document order, without bs4's general matching machinery (which costs more than the walk itself and
ran on every element of the page several times over)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from bs4 import Tag


def elements(root: Tag) -> list[Tag]:
    """Every element below `root` in document order: root.find_all(True)."""
    return [node for node in root.descendants if isinstance(node, Tag)]


def elements_named(root: Tag, names: Collection[str]) -> list[Tag]:
    """The elements below `root` with one of these tag names, in document order: root.find_all(names)."""
    return [node for node in root.descendants if isinstance(node, Tag) and node.name in names]


AttributeTest = str | re.Pattern[str] | bool  # equal to, searched by, or (True) present


def _value_matches(value: Any, test: AttributeTest) -> bool:
    """bs4's rule: a multi-valued attribute (class, rel) matches when one of its values does, or else
    all of them joined by spaces."""
    values = value if isinstance(value, list) else [value]

    def one_matches(candidates: list[Any]) -> bool:
        for v in candidates:
            if v is None:
                continue
            if test is True or (isinstance(test, str) and v == test):
                return True
            if isinstance(test, re.Pattern) and test.search(v) is not None:
                return True
        return False

    return one_matches(values) or (len(values) != 1 and one_matches([" ".join(values)]))


def find_elements(
    root: Tag, name: str | None = None, attrs: dict[str, AttributeTest] | None = None, limit: int = 0
) -> list[Tag]:
    """The elements below `root` named `name` (any name: None) whose attributes pass `attrs`, in
    document order, at most `limit` of them (0: all): root.find_all(name or True, attrs=attrs)."""
    found: list[Tag] = []
    tests = list((attrs or {}).items())
    for node in root.descendants:
        if not isinstance(node, Tag) or (name is not None and node.name != name):
            continue
        if all(_value_matches(node.get(key), test) for key, test in tests):
            found.append(node)
            if len(found) == limit:
                break
    return found


def find_element(
    root: Tag, name: str | None = None, attrs: dict[str, AttributeTest] | None = None
) -> Tag | None:
    """The first element find_elements gives, or None: root.find(name or True, attrs=attrs)."""
    found = find_elements(root, name, attrs, limit=1)
    return found[0] if found else None
