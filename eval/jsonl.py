"""One reader for the evaluation's JSON Lines files (question and claims sets, role sets, judgements),
so a bad file gets the same one-line error, naming file and line, whichever command reads
it; and one writer, which never leaves a half-written file."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ValidationError

from core.errors import first_error

M = TypeVar("M", bound=BaseModel)


def read_objects(path: Path, error: type[ValueError]) -> list[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; ``error`` is raised on the first bad one."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc}); give a JSONL file") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8 JSON Lines") from exc
    rows: list[tuple[int, dict[str, Any]]] = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{n}: not valid JSON ({exc.msg}); one object per line") from exc
        if not isinstance(row, dict):
            raise error(f"{path}:{n}: not a JSON object; one object per line")
        rows.append((n, row))
    return rows


def read_models(path: Path, model: type[M], error: type[ValueError]) -> list[M]:
    """Each line validated as ``model`` (which has an ``id``), ids unique; the first bad line
    raises ``error`` naming file, line and field."""
    out: list[M] = []
    seen: set[str] = set()
    for n, row in read_objects(path, error):
        try:
            item = model.model_validate(row)
        except ValidationError as exc:
            raise error(f"{path}:{n}: {first_error(exc, whole='line')}") from exc
        ident = str(cast(Any, item).id)  # both models have one
        if ident in seen:
            raise error(f"{path}:{n}: field 'id': duplicate id {ident!r}")
        seen.add(ident)
        out.append(item)
    return out


def write_objects(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """One object per line, UTF-8. The file is replaced only once the new one is completely
    written, so an interrupted or failed write leaves the old file as it was."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
