"""Adapting the embedder to the corpus: the pairs it learns from, the model it writes, and
the index that must be queried with that model."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.types import Chunk, Span
from index.adapt import AdaptConfig, AdaptError, adapt_embedder, heading_pairs
from index.build import ADAPTED, IngestError, current_dir, ingest
from index.catalog import Catalog
from index.embed import FINGERPRINT, HashEmbedder, MiniLMEmbedder
from index.onnx import QUERY_ONNX, OnnxEmbedder
from index.retrieve import NoIndexError, Query, Retriever
from tests.index.test_build import _pdfs

BODY = " ".join(["Organizations document the intended purpose and the expected context of use."] * 3)


def _chunk(section: str, text: str, kind: str = "text") -> Chunk:
    return Chunk(
        id=f"d:{len(text)}:{section}",
        doc="d",
        text=text,
        spans=(Span(1, 0, len(text)),),
        section=section,
        kind=kind,
    )


def test_heading_pairs_take_the_statement_and_leave_its_line_out() -> None:
    heading = "GOVERN 1.2: The characteristics of trustworthy AI are integrated into policies …"
    pairs = heading_pairs(
        [
            _chunk(
                f"Govern > {heading} > Suggested Actions",
                f"{heading.rstrip(' …')}\nSuggested Actions\n{BODY}",
            ),
            _chunk("Govern > Suggested Actions", BODY),  # only a kind of text: no topic
            _chunk("1. Overview", BODY),  # too short to say what the passage is about
            _chunk("Practice 1.3: Estimate capabilities of concern before development", "Too short."),
            _chunk("Appendix B. References of the profile", BODY, kind="references"),
        ]
    )
    assert list(pairs) == ["The characteristics of trustworthy AI are integrated into policies"]
    (passage,) = pairs["The characteristics of trustworthy AI are integrated into policies"]
    assert "GOVERN 1.2" not in passage and passage.startswith("Suggested Actions Organizations document")


def test_only_a_sentence_transformers_model_with_enough_headings_adapts(tmp_path: Path) -> None:
    with pytest.raises(AdaptError, match="sentence-transformers"):
        adapt_embedder(HashEmbedder(), [], tmp_path / "m", AdaptConfig())
    with pytest.raises(AdaptError, match=r"only 1 descriptive section headings \(needs 32\)"):
        adapt_embedder(
            MiniLMEmbedder(),
            [_chunk("A statement about model inventories", BODY)],
            tmp_path / "m",
            AdaptConfig(),
        )
    with pytest.raises(ValueError, match="epochs"):
        AdaptConfig(epochs=0)
    assert AdaptConfig(low_memory=True).recipe() == AdaptConfig().recipe()  # how, not what
    assert AdaptConfig(low_memory=True).lean() and not AdaptConfig(low_memory=False).lean()


def test_a_corpus_too_small_to_adapt_is_indexed_with_the_model_as_is(tmp_path: Path) -> None:
    data = tmp_path / "data"
    r = ingest(_pdfs(tmp_path / "pdf"), data, MiniLMEmbedder(), workers=1, adapt=AdaptConfig())
    (warning,) = r.warnings
    assert r.changed and re.fullmatch(
        r"the embedder was not adapted: only \d descriptive section headings \(needs 32\); "
        r"the model is used as is",
        warning,
    )
    manifest = json.loads((current_dir(data) / "manifest.json").read_text())
    # The packaged model answers, through its ONNX copy (index/onnx.py).
    assert manifest["query_embedder"] == {"name": MiniLMEmbedder().name, "path": None, "onnx": QUERY_ONNX}
    retriever = Retriever(data, MiniLMEmbedder())
    assert isinstance(retriever.embedder, OnnxEmbedder)
    assert retriever.run(Query("model weights encryption", k=1))


def test_a_fine_tuned_copy_is_told_apart_from_its_base_by_its_weights_digest(tmp_path: Path) -> None:
    names = []
    for folder, digest in (("a", None), ("b", "1111"), ("c", "2222")):
        model = tmp_path / folder / "model"
        model.mkdir(parents=True)
        (model / "model.safetensors").write_bytes(b"0" * 64)  # same size for all three
        if digest:
            (model / FINGERPRINT).write_text(json.dumps({"sha256_16": digest}))
        names.append(MiniLMEmbedder(model).name)
    assert len(set(names)) == 3


def test_a_failed_adaptation_leaves_the_previous_index_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    srcs, data = _pdfs(tmp_path / "pdf"), tmp_path / "data"
    before = ingest(srcs, data, HashEmbedder(), workers=1)

    def half_written(base: object, chunks: object, out_dir: Path, config: object) -> None:
        out_dir.mkdir(parents=True)
        (out_dir / "model.safetensors").write_bytes(b"partial")
        raise RuntimeError("out of memory")

    monkeypatch.setattr("index.adapt.adapt_embedder", half_written)
    with pytest.raises(IngestError, match=r"adapting the embedder failed \(RuntimeError: out of memory\)"):
        ingest(srcs, data, HashEmbedder(), workers=1, adapt=AdaptConfig())
    assert current_dir(data).resolve().name == before.build_id
    assert [p.name for p in (data / "builds").iterdir()] == [before.build_id]
    assert Retriever(data, HashEmbedder()).run(Query("inventory", k=1))


def _margin(emb: MiniLMEmbedder, pairs: list[tuple[str, str]]) -> float:
    """How much closer each heading is to its own passage than to the others."""
    h = emb.encode([a for a, _ in pairs])
    p = emb.encode([b for _, b in pairs])
    sims = h @ p.T
    own = np.diag(sims).mean()
    return float(own - (sims.sum() - np.trace(sims)) / (len(pairs) * (len(pairs) - 1)))


def test_adapting_pulls_real_headings_towards_their_passages(real_index: Path, tmp_path: Path) -> None:
    chunks = list(Catalog.load(current_dir(real_index).resolve()).chunks.values())
    pairs = heading_pairs(chunks)
    assert len(pairs) > 150  # the five NIST documents have ~200 descriptive headings
    sample = [(h, ps[0]) for h, ps in list(pairs.items())[:48]]
    small = [c for c in chunks if any(c.section.endswith(h) or h in c.section for h, _ in sample)]
    config = AdaptConfig(epochs=2, batch_size=8, low_memory=False)
    base = MiniLMEmbedder()
    tuned = adapt_embedder(base, small, tmp_path / "a", config)
    # Same folder name and weights size as the packaged model: only the digest tells them apart.
    assert tuned.name.rsplit(":", 1)[1] != base.name.rsplit(":", 1)[1]
    assert (tmp_path / "a" / FINGERPRINT).exists()
    assert _margin(tuned, sample) > _margin(base, sample) + 0.01
    # Trained again the lean way (activations recomputed, not kept): the same weights.
    again = adapt_embedder(base, small, tmp_path / "b", replace(config, low_memory=True))
    digest = [json.loads((tmp_path / d / FINGERPRINT).read_text())["sha256_16"] for d in ("a", "b")]
    assert digest[0] == digest[1]  # same seed, same weights
    assert again.name.rsplit(":", 1)[1] == tuned.name.rsplit(":", 1)[1]


def test_the_index_answers_with_the_model_it_was_embedded_with(real_index: Path, tmp_path: Path) -> None:
    folder = current_dir(real_index).resolve()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["query_embedder"]["path"] == ADAPTED and (folder / ADAPTED / FINGERPRINT).exists()
    r = Retriever(real_index, MiniLMEmbedder())
    assert r.embedder.name == manifest["query_embedder"]["name"] != MiniLMEmbedder().name
    hits = r.run(Query("Estimate the model's capabilities of concern before it is developed", k=3))
    assert hits and any("Practice 1.3" in h.chunk.section for h in hits)
    # An index embedded with one model is never searched with vectors of another.
    data = tmp_path / "data"
    ingest(_pdfs(tmp_path / "pdf"), data, HashEmbedder(), workers=1)
    with pytest.raises(NoIndexError, match="embedded with hash:64, this process has hash:32"):
        Retriever(data, HashEmbedder(dim=32))


def test_the_closest_kept_model_of_the_same_recipe_is_found(tmp_path: Path) -> None:
    from index.adapt import META, closest_model

    for name, recipe, headings in [("a", "r1", ["x", "y"]), ("b", "r1", ["x", "y", "z"]), ("c", "r2", ["x"])]:
        (tmp_path / name).mkdir()
        (tmp_path / name / META).write_text(json.dumps({"recipe": recipe, "headings": headings}))
    (tmp_path / "half-written").mkdir()  # no META: skipped
    assert closest_model(tmp_path, {"x", "y", "z", "w"}, "r1") == (0.25, tmp_path / "b")
    assert closest_model(tmp_path, {"w"}, "r2") == (1.0, tmp_path / "c")
    assert closest_model(tmp_path, {"x"}, "r3") is None
    assert closest_model(tmp_path / "absent", {"x"}, "r1") is None


def test_an_adapted_model_is_reused_while_the_corpus_has_drifted_little(
    real_index: Path, tmp_path: Path
) -> None:
    """Adding a document whose headings are few among the corpus's reuses the kept model
    (same weights, so every unchanged passage's vector is reused); the ingest says so."""
    from index.adapt import DRIFT_RETRAIN, META, adapted_for, link_tree, recipe_key

    folder = current_dir(real_index).resolve()
    catalog = Catalog.load(folder)
    chunks = list(catalog.chunks.values())
    base, config = MiniLMEmbedder(), AdaptConfig()
    headings = sorted(heading_pairs(chunks, config.max_passage_chars))
    learnt = headings[: int(len(headings) * 0.9)]  # a tenth of the headings are new to it
    kept = tmp_path / "cache" / "m1"
    link_tree(folder / ADAPTED, kept)
    (kept / META).write_text(json.dumps({"recipe": recipe_key(base, config), "headings": learnt}))
    embedder, note = adapted_for(base, chunks, tmp_path / "model", config, tmp_path / "cache")
    assert note.startswith("the embedder adapted earlier was reused: 10% of the section headings are new")
    assert f"above {DRIFT_RETRAIN:.0%}" in note
    assert embedder.name == MiniLMEmbedder(folder / ADAPTED).name  # the same weights
    assert not (tmp_path / "model" / META).exists()
