"""Reading rendered pages the way a person reads them: an element by its id, its text, a table row's
cells. Built on Django's own HTML parser (django.test.html, which assertHTMLEqual uses), so an
assertion is scoped to the element it is about instead of matching anywhere on the page."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.test.html import Element, parse_html


def _elements(node: Element) -> Iterator[Element]:
    for child in node.children:
        if isinstance(child, Element):
            yield child
            yield from _elements(child)


def find_all(page: str | Element, match: Callable[[Element], bool]) -> list[Element]:
    """Every element of `page` (HTML text or an element already parsed) for which `match` is true."""
    root = parse_html(page) if isinstance(page, str) else page
    found = [root] if isinstance(root, Element) and root.name and match(root) else []
    return found + [element for element in _elements(root) if match(element)]


def attribute(element: Element, name: str) -> str | None:
    return dict(element.attributes).get(name)


def by_id(page: str | Element, element_id: str) -> Element:
    """The one element with this id; fails if there is none or more than one."""
    found = find_all(page, lambda element: attribute(element, "id") == element_id)
    assert len(found) == 1, f"{len(found)} elements with id={element_id!r}"
    return found[0]


def by_testid(page: str | Element, testid: str) -> list[Element]:
    return find_all(page, lambda element: attribute(element, "data-testid") == testid)


def text(node: str | Element) -> str:
    """The text a reader sees in `node`, its pieces separated by single spaces."""
    if isinstance(node, str):
        return node
    return " ".join(piece for piece in (text(child) for child in node.children) if piece)


def cells(row: Element) -> list[str]:
    """The text of each cell (th or td) of a table row, in order."""
    return [text(cell) for cell in row.children if isinstance(cell, Element) and cell.name in ("th", "td")]
