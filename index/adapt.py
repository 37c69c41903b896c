"""Adapt the embedder to the corpus: fine-tune MiniLM on (section heading, passage) pairs.

The packaged MiniLM never read these documents. Their section headings, though, are short
statements of what the passages under them are about ("Estimate the model's capabilities of
concern before it is developed", "Policies and procedures are in place that address AI risks
associated with third-party entities"), which is the shape of a question about them. A few
steps of contrastive fine-tuning on those pairs, with the other passages of the batch as
negatives, teaches the model which passages each heading's words point at. No question set
is used: the pairs come from the ingested passages alone, so any corpus adapts its own model.

Measured on the dev set and three check sets against the packaged model (bench/RESULTS.md,
session 6): page hit@1 dev 0.674 → 0.697 and up to +0.11 on the check sets, none lower;
role questions' hit@5 up 5 of 132 over the four sets.
"""

from __future__ import annotations

import json
import random
import re
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.types import Chunk
from corpus.manifest import sha256_file
from index.embed import FINGERPRINT, Embedder, MiniLMEmbedder, quiet_offline

# Section path parts that name a kind of text, not its topic.
_GENERIC = re.compile(
    r"suggested actions|about|references|transparency & documentation"
    r"|organizations can document the following|ai actors",
    re.IGNORECASE,
)
# A heading's identifier ("GOVERN 1.2:", "Practice 1.3:", "PW.4.4:", "2.1.", "A.1.8.") says
# where, not what; the words after it are the statement.
_IDENT = re.compile(
    r"^(?:[A-Z]+ \d+\.\d+|Practice \d+\.\d+|Objective \d+|[A-Z]{2}\.\d+(?:\.\d+)?"
    r"|\d+(?:\.\d+)*\.?|[A-Z]\.\d+(?:\.\d+)*\.?)\s*:?\s*"
)
MIN_HEADING_WORDS = 3
MIN_PASSAGE_WORDS = 20


class AdaptError(RuntimeError):
    """The embedder cannot be adapted (not a sentence-transformers model, or too few headings)."""


@dataclass(frozen=True)
class AdaptConfig:
    """Training recipe; part of the index recipe, so changing it rebuilds the index (parse
    and embeddings)."""

    epochs: int = 4
    batch_size: int = 32
    learning_rate: float = 2e-5
    scale: float = 20.0  # cosine → logit, as in MultipleNegativesRankingLoss
    max_passage_chars: int = 1500
    seed: int = 0
    version: int = 1

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2 or self.learning_rate <= 0:
            raise ValueError(f"adapt: epochs ≥ 1, batch_size ≥ 2, learning_rate > 0 (got {self})")

    def recipe(self) -> dict[str, float | int]:
        return asdict(self)


def heading_pairs(chunks: Sequence[Chunk], max_chars: int = 1500) -> dict[str, list[str]]:
    """Each descriptive heading with the passages under it, the heading's own line removed
    from them (else the pair is a copy, and the model learns nothing but string overlap)."""
    pairs: dict[str, list[str]] = {}
    for c in chunks:
        if c.kind != "text" or not c.section:
            continue
        parts = [p.strip() for p in c.section.split(" > ")]
        parts = [p for p in parts if not _GENERIC.fullmatch(p)]
        if not parts:
            continue
        heading = _IDENT.sub("", parts[-1].rstrip("… ").strip())
        if len(heading.split()) < MIN_HEADING_WORDS:
            continue
        probe = heading[:30].lower()
        body = " ".join(line for line in c.text.split("\n") if probe not in line.lower())
        body = re.sub(r"\s+", " ", body).strip()
        if len(body.split()) < MIN_PASSAGE_WORDS:
            continue
        pairs.setdefault(heading, []).append(body[:max_chars])
    return pairs


def adapt_embedder(
    base: Embedder, chunks: Sequence[Chunk], out_dir: Path, config: AdaptConfig
) -> MiniLMEmbedder:
    """Fine-tune a copy of ``base`` on the chunks' heading pairs into ``out_dir`` and return
    an embedder for it. The same chunks and seed give the same weights on one machine with
    the same thread count, so re-ingesting an unchanged corpus finds its vectors cached; a
    changed corpus trains a new model, and every passage is embedded again."""
    if not isinstance(base, MiniLMEmbedder):
        raise AdaptError(f"adapting needs a sentence-transformers model, not {base.name}")
    pairs = heading_pairs(chunks, config.max_passage_chars)
    if len(pairs) < config.batch_size:
        raise AdaptError(f"only {len(pairs)} descriptive section headings (needs {config.batch_size})")
    quiet_offline()
    import torch
    from sentence_transformers import SentenceTransformer

    if base.threads:
        torch.set_num_threads(base.threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    model = SentenceTransformer(str(base.model_dir), device="cpu")
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    headings = list(pairs)
    targets = torch.arange(config.batch_size)

    def encode(texts: list[str]) -> torch.Tensor:
        features = model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)
        return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)

    model.train()
    for _ in range(config.epochs):
        # One passage per heading per epoch: two passages of one heading in a batch would
        # be each other's false negatives.
        items = [(h, rng.choice(pairs[h])) for h in rng.sample(headings, len(headings))]
        for i in range(0, len(items) - config.batch_size + 1, config.batch_size):
            batch = items[i : i + config.batch_size]
            logits = encode([h for h, _ in batch]) @ encode([p for _, p in batch]).T * config.scale
            loss = torch.nn.functional.cross_entropy(logits, targets)
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
    model.eval()
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.save(str(out_dir), create_model_card=False)  # a model card would look up the Hub
    # The weights' size never changes, so the embedding cache needs their content to tell
    # this model's vectors from the base model's.
    digest = sha256_file(out_dir / "model.safetensors")[:16]
    (out_dir / FINGERPRINT).write_text(json.dumps({"sha256_16": digest, **config.recipe()}))
    return MiniLMEmbedder(out_dir, batch_size=base.batch_size, threads=base.threads)


def build_embedder(folder: Path, manifest: dict[str, Any], base: Embedder, onnx: bool = True) -> Embedder:
    """The embedder a build's questions must use: its adapted model when it has one, run
    through the ONNX copy the build exported (index/onnx.py) unless ``onnx`` is false."""
    query = manifest.get("query_embedder") or {}
    path, exported = query.get("path"), query.get("onnx")
    model_dir = folder / path if path else getattr(base, "model_dir", None)
    if onnx and exported and model_dir is not None and (folder / exported / "model.onnx").is_file():
        from index.onnx import OnnxEmbedder

        return OnnxEmbedder(model_dir, folder / exported, threads=getattr(base, "threads", None))
    if not path:
        return base
    return MiniLMEmbedder(
        folder / path, batch_size=getattr(base, "batch_size", 32), threads=getattr(base, "threads", None)
    )
