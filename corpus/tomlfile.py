"""The project's TOML data files (manifest, roles, thesaurus): read, and validate entry by
entry, so that a bad file gets one error line naming the file, the entry and the field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from core.errors import first_error

T = TypeVar("T", bound=BaseModel)


def read_toml(path: Path, what: str, error: type[ValueError]) -> tuple[str, dict[str, Any]]:
    """(text, parsed table) of ``path``; ``error`` naming the file when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{path}: cannot read {what}: {exc}") from exc


def entries(
    raw: dict[str, Any], table: str, model: type[T], path: Path, error: type[ValueError], label: str = ""
) -> list[T]:
    """The ``[[table]]`` entries validated by ``model``; the first bad one raises ``error``
    naming it ("[[term]] #3 field 'lay': …", or ``label`` in place of "[[term]]")."""
    out: list[T] = []
    for i, item in enumerate(raw.get(table, [])):
        try:
            out.append(model.model_validate(item))
        except ValidationError as exc:
            raise error(f"{path}: {label or f'[[{table}]]'} #{i + 1} {first_error(exc)}") from exc
    return out
