"""Data flows one way: a stage never imports a later one."""

from __future__ import annotations

import ast

from core.settings import PROJECT_ROOT

ORDER = ["core", "corpus", "ingest", "index", "qa", "eval", "api"]


def test_no_stage_imports_a_later_one() -> None:
    bad = []
    for i, pkg in enumerate(ORDER):
        later = set(ORDER[i + 1 :])
        for f in (PROJECT_ROOT / pkg).rglob("*.py"):
            for node in ast.walk(ast.parse(f.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for n in names:
                    if n.split(".")[0] in later:
                        bad.append(f"{f.relative_to(PROJECT_ROOT)} imports {n}")
    assert bad == []
