import json
from pathlib import Path

import pytest

from eval.dataset import DEV, DatasetError, check, load


def test_dev_set_shape() -> None:
    qs = load(DEV)
    assert len(qs) >= 40
    assert sum(not q.answerable for q in qs) >= 5
    kinds = {q.kind for q in qs}
    assert {"fact", "role", "citation", "unanswerable"} <= kinds


def test_bad_lines_are_named(tmp_path: Path) -> None:
    p = tmp_path / "d.jsonl"
    good = {
        "id": "a",
        "question": "What is it?",
        "kind": "fact",
        "role": None,
        "gold": [{"doc": "d", "pages": [1]}],
        "facts": ["x"],
        "notes": "",
    }
    p.write_text(json.dumps(good) + "\n" + json.dumps({**good, "id": "b", "kind": "weird"}) + "\n")
    with pytest.raises(DatasetError, match=r"d.jsonl:2: field 'kind'"):
        load(p)
    p.write_text(json.dumps({**good, "kind": "unanswerable"}) + "\n")
    with pytest.raises(DatasetError, match="kind 'unanswerable' has empty gold"):
        load(p)
    p.write_text(json.dumps({**good, "kind": "not_indexed", "gold": [], "facts": []}) + "\n")
    with pytest.raises(DatasetError, match="not_indexed: name the document"):
        load(p)
    p.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    with pytest.raises(DatasetError, match="duplicate id"):
        load(p)


def test_check_finds_missing_facts_and_pages() -> None:
    from eval.dataset import Question

    q = Question(
        id="a",
        question="What is it?",
        kind="fact",
        gold=[{"doc": "d", "pages": [1, 9]}],
        facts=["composite measure", "absent phrase"],
    )
    problems = check([q], {("d", 1): "Risk is a composite\nmeasure of things."})
    assert problems == [
        "a: gold page d p.9 does not exist",
        "a: fact 'absent phrase' is on none of its gold pages",
    ]


@pytest.mark.integration
def test_dev_set_facts_are_on_gold_pages(real_index: Path) -> None:
    from index.build import current_dir
    from index.catalog import Catalog

    cat = Catalog.load(current_dir(real_index).resolve())
    assert check(load(DEV), {k: p.text for k, p in cat.pages.items()}) == []
