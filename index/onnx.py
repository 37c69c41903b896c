"""The query embedder exported to ONNX, so a question is embedded without torch.

Importing torch and sentence-transformers and loading the model took most of a cold
`airq ask` (9–14 s on 2 cores); ONNX Runtime and the tokenizers library load in a fraction
of a second. Ingest has the model in memory anyway: it exports it next to the build
(``QUERY_ONNX``), checks the exported graph against the model on the build's own texts, and
records it in the manifest; the copy is kept in the data folder's cache, and a later ingest
with the same model embeds a small update through it (index/build.py), a large one through
torch. A build without the file (older builds, a failed export) answers through torch as
before.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.embed import MiniLMEmbedder, model_name

QUERY_ONNX = "query-onnx"  # a build's folder holding model.onnx and its settings
MIN_COSINE = 0.999  # the exported graph must give the model's vectors, text for text
OPSET = 17


class OnnxExportError(RuntimeError):
    """The model cannot be exported, or the export does not reproduce its vectors."""


def export_query_model(embedder: MiniLMEmbedder, out_dir: Path, probe: Sequence[str]) -> float:
    """Export ``embedder``'s transformer to ``out_dir/model.onnx`` with the settings its
    pooling needs, and return the lowest cosine between the exported graph's vectors and
    the model's own on ``probe``; below ``MIN_COSINE`` nothing is left behind."""
    import torch

    model: Any = embedder._load()
    first = model[0]
    auto = getattr(first, "auto_model", None) or getattr(first, "model", None)
    pooling = _pooling_mode(embedder.model_dir)
    if auto is None or pooling != "mean" or len(model) != 3:
        raise OnnxExportError(f"{embedder.model_dir}: not a mean-pooled, normalised BERT-style model")

    class LastHidden(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            kwargs = {"attention_mask": attention_mask, "token_type_ids": token_type_ids}
            return self.inner(input_ids=input_ids, **kwargs).last_hidden_state

    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "model.onnx"
    texts = ["a question to trace the graph with"]
    sample = model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)
    inputs = tuple(sample[k] for k in ("input_ids", "attention_mask", "token_type_ids"))
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes on the model's Python branches
        torch.onnx.export(
            LastHidden(auto).eval(),
            inputs,
            str(path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes},
            opset_version=OPSET,
            dynamo=False,
        )
    (out_dir / "settings.json").write_text(
        json.dumps({"max_length": int(model.max_seq_length), "dim": int(embedder.dim)}), encoding="utf-8"
    )
    texts = list(probe) or ["a question to check the graph with"]
    exported = OnnxEmbedder(embedder.model_dir, out_dir).encode(texts)
    cosine = float(np.min(np.sum(exported * embedder.encode(texts), axis=1)))
    if cosine < MIN_COSINE:
        for f in out_dir.iterdir():
            f.unlink()
        out_dir.rmdir()
        raise OnnxExportError(f"the exported model's vectors differ from the model's (cosine {cosine:.4f})")
    return cosine


def _pooling_mode(model_dir: Path) -> str:
    config = model_dir / "1_Pooling" / "config.json"
    if not config.exists():
        return ""
    data = json.loads(config.read_text(encoding="utf-8"))
    if data.get("pooling_mode"):
        return str(data["pooling_mode"])
    return "mean" if data.get("pooling_mode_mean_tokens") else ""


class OnnxEmbedder:
    """The same vectors as ``MiniLMEmbedder`` for the model in ``model_dir`` (whose name it
    carries, so an index built with that model accepts it), from the graph in ``onnx_dir``:
    tokenise, run, mean-pool over the attention mask, L2-normalise."""

    def __init__(self, model_dir: Path, onnx_dir: Path, threads: int | None = None):
        self.model_dir = Path(model_dir)
        self.onnx_dir = Path(onnx_dir)
        self.name = model_name(self.model_dir)
        settings = json.loads((self.onnx_dir / "settings.json").read_text(encoding="utf-8"))
        self.dim = int(settings["dim"])
        self._max_length = int(settings["max_length"])
        self.threads = threads
        self._lock = threading.Lock()
        self._session: Any = None
        self._tokenizer: Any = None

    def _load(self) -> tuple[Any, Any]:
        with self._lock:
            if self._session is None:
                import onnxruntime
                from tokenizers import Tokenizer

                tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
                tokenizer.enable_truncation(max_length=self._max_length)
                tokenizer.enable_padding()
                options = onnxruntime.SessionOptions()
                if self.threads:
                    options.intra_op_num_threads = self.threads
                options.log_severity_level = 3  # its warnings are not the user's business
                self._session = onnxruntime.InferenceSession(
                    str(self.onnx_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
                )
                self._tokenizer = tokenizer
        return self._session, self._tokenizer

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        session, tokenizer = self._load()
        # Batches of like lengths pad little: in the corpus's order, 2.8 times slower.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = []
        for i in range(0, len(texts), 32):
            batch = tokenizer.encode_batch([texts[j] for j in order[i : i + 32]])
            ids = np.array([e.ids for e in batch], dtype=np.int64)
            mask = np.array([e.attention_mask for e in batch], dtype=np.int64)
            types = np.array([e.type_ids for e in batch], dtype=np.int64)
            (hidden,) = session.run(
                ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            norms = np.linalg.norm(pooled, axis=1, keepdims=True)
            out.append(pooled / np.clip(norms, 1e-12, None))
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        vectors[order] = np.concatenate(out)
        return vectors
