"""From YAML (or a plain mapping) to a checked :class:`~confluent_ops.provision.PlatformSpec`.

The conversion is cattrs', made strict: a field that is not in the spec, a number where text
belongs (``version: 8.0`` is a float to YAML), text where a number belongs, ``yes`` for a port,
a duplicate key, a YAML alias: each is refused with the field's path and what is allowed,
as one :class:`~confluent_ops.errors.SpecInvalid`. Nothing is rendered from a spec that fails.
"""

from __future__ import annotations

import enum
import math
import os
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs
import cattrs
import yaml
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn

from confluent_ops._files import read_input_text
from confluent_ops.errors import SpecInvalid
from confluent_ops.model._frozen import FrozenDict, frozen_dict
from confluent_ops.provision.spec import PlatformSpec, SpecFieldError

__all__ = ["MAX_SPEC_BYTES", "load_spec", "read_spec", "spec_from_mapping"]

MAX_SPEC_BYTES = 1 << 20
"""A platform spec larger than 1 MiB is refused unread: the complete example is about 10 KB."""


def _kind(value: object) -> str:
    if value is None:
        return "nothing (null)"
    return {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }.get(type(value), type(value).__name__)


def _text(value: object, _: object) -> str:
    if not isinstance(value, str):
        hint = f' (quote it: "{value}")' if isinstance(value, int | float) else ""
        raise SpecFieldError("", f"must be text, not {_kind(value)}{hint}")
    return value


def _whole(value: object, _: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpecFieldError("", f"must be a whole number, not {_kind(value)}")
    return value


def _flag(value: object, _: object) -> bool:
    if not isinstance(value, bool):
        raise SpecFieldError("", f"must be true or false, not {_kind(value)}")
    return value


def _scalar_text(value: object) -> str:
    """A config or label value: text as is, numbers and booleans as Kafka spells them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise SpecFieldError("", f"must be text, a number or true/false, not {_kind(value)}")


def _text_mapping(value: object, _: object) -> FrozenDict[str, str]:
    if not isinstance(value, Mapping):
        raise SpecFieldError("", f"must be a mapping of names to values, not {_kind(value)}")
    entries: list[tuple[str, str]] = []
    for key, item in value.items():
        if not isinstance(key, str):
            raise SpecFieldError(str(key), "names must be text")
        try:
            entries.append((key, _scalar_text(item)))
        except SpecFieldError as exc:
            raise SpecFieldError(_key_path(key), exc.detail) from None
    return frozen_dict(entries)


def _texts(value: object, _: object) -> tuple[str, ...]:
    """A list of text (``users: [a, b]``); a lone text is refused rather than split in letters."""
    if not isinstance(value, list):
        raise SpecFieldError("", f"must be a list, not {_kind(value)} (write [{value}])")
    items = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            raise SpecFieldError(f"[{index}]", f"must be text, not {_kind(item)}")
        items.append(item)
    return tuple(items)


def _enum_hook(cls: type[enum.Enum]) -> Callable[[object, object], enum.Enum]:
    allowed = ", ".join(str(member.value) for member in cls)

    def structure(value: object, _: object) -> enum.Enum:
        try:
            return cls(value)
        except ValueError:
            raise SpecFieldError("", f"must be one of {allowed}, not {value!r}") from None

    return structure


def _optional_attrs(kind: Any) -> bool:
    """``SomeSpec | None`` where ``SomeSpec`` is an attrs class."""
    if typing.get_origin(kind) not in (typing.Union, types.UnionType):
        return False
    members = [arg for arg in typing.get_args(kind) if arg is not type(None)]
    return len(members) == 1 and len(typing.get_args(kind)) == 2 and attrs.has(members[0])


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    converter.register_structure_hook(str, _text)
    converter.register_structure_hook(int, _whole)
    converter.register_structure_hook(bool, _flag)
    converter.register_structure_hook_func(lambda kind: kind == FrozenDict[str, str], _text_mapping)
    converter.register_structure_hook_func(lambda kind: kind == tuple[str, ...], _texts)
    converter.register_structure_hook_factory(
        lambda kind: isinstance(kind, type) and issubclass(kind, enum.Enum), _enum_hook
    )

    def attrs_hook(cls: type[Any]) -> Callable[[object, object], Any]:
        inner = make_dict_structure_fn(
            cls,
            converter,
            _cattrs_forbid_extra_keys=True,
            _cattrs_detailed_validation=True,
        )
        fields = ", ".join(sorted(field.name for field in attrs.fields(cls)))

        def structure(value: object, _: object) -> Any:
            if not isinstance(value, Mapping):
                raise SpecFieldError(
                    "", f"must be a mapping with the fields {fields}, not {_kind(value)}"
                )
            return inner(value, cls)

        return structure

    def optional_hook(kind: Any) -> Callable[[object, object], Any]:
        member = next(arg for arg in typing.get_args(kind) if arg is not type(None))
        inner = attrs_hook(member)

        def structure(value: object, _: object) -> Any:
            if value is None:
                raise SpecFieldError(
                    "", "is empty: write {} for the defaults, or leave the key out"
                )
            return inner(value, member)

        return structure

    converter.register_structure_hook_factory(_optional_attrs, optional_hook)
    converter.register_structure_hook_factory(attrs.has, attrs_hook)
    return converter


_CONVERTER = _make_converter()


def _key_path(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() else f'["{key}"]'


def _join(*parts: str) -> str:
    path = ""
    for part in parts:
        if not part:
            continue
        if part.startswith("["):
            path += part
        else:
            path = f"{path}.{part}" if path else part
    return path


def _errors(exc: BaseException, path: str) -> Iterator[tuple[str, str]]:
    """Every leaf error under ``exc`` as ``(field path, detail)``, in the order cattrs met them."""
    if isinstance(exc, ClassValidationError):
        with_notes, without = exc.group_exceptions()
        for inner, note in with_notes:
            yield from _errors(inner, _join(path, note.name))
        for inner in without:
            yield from _errors(inner, path)
    elif isinstance(exc, IterableValidationError):
        indexed, unindexed = exc.group_exceptions()
        for inner, index_note in indexed:
            yield from _errors(inner, _join(path, f"[{index_note.index}]"))
        for inner in unindexed:
            yield from _errors(inner, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        known = ", ".join(sorted(field.name for field in attrs.fields(exc.cl)))
        for extra in sorted(exc.extra_fields):
            yield _join(path, _key_path(str(extra))), f"is not a field here; the fields are {known}"
    elif isinstance(exc, SpecFieldError):
        yield _join(path, exc.field), exc.detail
    elif isinstance(exc, KeyError):
        yield path, "is required"
    else:
        yield path, str(exc)


def spec_from_mapping(data: object, *, source: str | None = None) -> PlatformSpec:
    """The spec a decoded YAML or JSON document describes, or :class:`SpecInvalid`.

    Every problem is collected first; the error names the first one and counts the rest
    (``errors`` on the exception lists them all).
    """
    try:
        return _CONVERTER.structure(data, PlatformSpec)
    except (ClassValidationError, IterableValidationError, SpecFieldError) as exc:
        found = list(_errors(exc, ""))
    field, detail = found[0]
    more = len(found) - 1
    if more:
        detail += f" (and {more} more problem{'s' if more > 1 else ''})"
    error = SpecInvalid(field, detail, source=source)
    error.errors = tuple(found)  # type: ignore[attr-defined]
    raise error


class _StrictLoader(yaml.SafeLoader):
    """YAML as a spec needs it: no duplicate keys, no aliases (no billion laughs)."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not accepted in a platform spec",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[object] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, list | dict):
                raise yaml.MarkedYAMLError(
                    problem="a key must be text", problem_mark=key_node.start_mark
                )
            if key in seen:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_spec(text: str, *, source: str | None = None) -> PlatformSpec:
    """The spec in a YAML document (one document; JSON is YAML too)."""
    try:
        documents = list(yaml.load_all(text, Loader=_StrictLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise SpecInvalid("", f"not valid YAML: {where}{exc.problem}", source=source) from None
    except yaml.YAMLError as exc:
        raise SpecInvalid("", f"not valid YAML: {exc}", source=source) from None
    except RecursionError:
        raise SpecInvalid("", "not valid YAML: nested too deeply", source=source) from None
    except (ValueError, OverflowError) as exc:  # PyYAML's own conversions: huge numbers, dates
        raise SpecInvalid("", f"not valid YAML: {exc}", source=source) from None
    if len(documents) != 1:
        raise SpecInvalid("", f"must hold one YAML document, not {len(documents)}", source=source)
    try:
        return spec_from_mapping(documents[0], source=source)
    except RecursionError:
        raise SpecInvalid("", "nested too deeply", source=source) from None


def read_spec(path: str | os.PathLike[str]) -> PlatformSpec:
    """The spec in the YAML file at ``path`` (read through the one reading path)."""
    text = read_input_text(path, what="platform spec", limit=MAX_SPEC_BYTES)
    return load_spec(text, source=os.fspath(path))
