"""A griffe extension for the API reference: our docstrings' Sphinx roles as Markdown.

The docstrings are prose that name other objects with Sphinx roles (``:class:`~pkg.Name```)
and introduce examples with ``::``. mkdocstrings renders docstrings as Markdown, where those
would show as written; this turns each role into a code span of the name as Sphinx would show
it (the last part after ``~``) and a trailing ``::`` into ``:``. It changes only what the
reference pages show, never the code. ``mkdocs.yml`` loads it by path.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|attr|data|exc|obj|const|py:\w+):`(~?)([^`]+)`")
_LITERAL_INTRO = re.compile(r"::$", re.MULTILINE)


def _name(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def markdown_of(text: str) -> str:
    """The docstring ``text`` with its Sphinx roles and ``::`` written as Markdown."""
    return _LITERAL_INTRO.sub(":", _ROLE.sub(_name, text))


class SphinxRolesAsCode(griffe.Extension):
    """Rewrite each docstring as the object is made (before any page renders it)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = markdown_of(obj.docstring.value)
