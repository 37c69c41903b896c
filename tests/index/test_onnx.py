"""The query model exported to ONNX: the same vectors as torch, used by the index it was
exported for, and a query path that never imports torch or llama-index."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from index.build import current_dir
from index.embed import MiniLMEmbedder
from index.onnx import QUERY_ONNX, OnnxEmbedder, export_query_model
from index.retrieve import Query, Retriever

TEXTS = [
    "What is confabulation?",
    "We host GPU clusters for other companies' models; how should we protect model weights?",
    "GOVERN 1.2: The characteristics of trustworthy AI are integrated into organizational policies.",
    "risk " * 400,  # past the 256-token window: truncated alike on both sides
]


def test_the_export_gives_the_models_vectors(tmp_path: Path) -> None:
    torch_model = MiniLMEmbedder()
    cosine = export_query_model(torch_model, tmp_path / "onnx", TEXTS[:2])
    assert cosine >= 0.999
    onnx = OnnxEmbedder(torch_model.model_dir, tmp_path / "onnx")
    assert onnx.name == torch_model.name and onnx.dim == torch_model.dim
    a, b = onnx.encode(TEXTS), torch_model.encode(TEXTS)
    assert a.shape == b.shape and a.dtype == np.float32
    assert np.min(np.sum(a * b, axis=1)) >= 0.999
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    assert onnx.encode([]).shape == (0, torch_model.dim)


def test_an_index_answers_through_its_exported_model(real_index: Path) -> None:
    folder = current_dir(real_index).resolve()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["query_embedder"]["onnx"] == QUERY_ONNX and (folder / QUERY_ONNX / "model.onnx").is_file()
    onnx = Retriever(real_index, MiniLMEmbedder())
    torch = Retriever(real_index, MiniLMEmbedder(), query_onnx=False)
    assert isinstance(onnx.embedder, OnnxEmbedder) and isinstance(torch.embedder, MiniLMEmbedder)
    assert onnx.embedder.name == torch.embedder.name == manifest["query_embedder"]["name"]
    for question in TEXTS[:3]:
        a, b = onnx.embed_query(question), torch.embed_query(question)
        assert float(a @ b) >= 0.999
        assert [h.chunk.id for h in onnx.run(Query(question, k=5), a)] == [
            h.chunk.id for h in torch.run(Query(question, k=5), b)
        ]


def test_answering_imports_no_torch_nor_llama_index(real_index: Path) -> None:
    code = (
        "import sys\n"
        "from core.settings import Settings\n"
        "from qa.service import load_engine\n"
        f"engine = load_engine(Settings(data_dir={str(real_index)!r}))\n"
        "assert engine.answerer.run('What is confabulation?').citations\n"
        "heavy = {'torch', 'sentence_transformers', 'llama_index'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stderr[-2000:]
