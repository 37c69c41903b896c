"""One reader for the evaluation's JSON Lines files (question sets, role sets, judgements),
so a bad file gets the same one-line error, naming file and line, whichever command reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


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
