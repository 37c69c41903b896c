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

import contextlib
import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from core.types import Chunk
from corpus.manifest import sha256_file
from index.embed import (
    FINGERPRINT,
    Embedder,
    MiniLMEmbedder,
    large_blocks_mapped,
    quiet_offline,
)

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
    # How, not what: the same weights either way, so not part of the recipe. True trades
    # time for memory (see ``_train``); None decides by the memory available.
    low_memory: bool | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.epochs < 1 or self.batch_size < 2 or self.learning_rate <= 0:
            raise ValueError(f"adapt: epochs ≥ 1, batch_size ≥ 2, learning_rate > 0 (got {self})")

    def recipe(self) -> dict[str, float | int]:
        out = asdict(self)
        del out["low_memory"]
        return out

    def lean(self) -> bool:
        """Whether to train in little memory: as asked, else when less than
        ``LOW_MEMORY_BELOW`` is available (the fast way peaks at 3.3 GB)."""
        if self.low_memory is not None:
            return self.low_memory
        available = memory_available()
        return available is not None and available < LOW_MEMORY_BELOW


LOW_MEMORY_BELOW = 4 << 30  # bytes available under which training takes the lean way


def memory_available() -> int | None:
    """MemAvailable of /proc/meminfo in bytes (Linux); None where unknown."""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


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
    # In a process of its own: what training allocates (activations, the allocator's free
    # space, torch's caches) goes back to the system when it ends, before the passages are
    # embedded; in this process it stayed, and the two together took the ingest to 1.7 GB.
    how = replace(config, low_memory=config.lean())
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        try:
            pool.submit(_train, base.model_dir, base.threads, pairs, out_dir, how).result()
        except BrokenProcessPool as exc:
            raise MemoryError(
                "the training process was killed, out of memory perhaps; "
                "AIRQ_INGEST_LOW_MEMORY=true trains in about 1.2 GB"
            ) from exc
    return MiniLMEmbedder(out_dir, batch_size=base.batch_size, threads=base.threads)


def _train(
    model_dir: Path, threads: int | None, pairs: dict[str, list[str]], out_dir: Path, config: AdaptConfig
) -> None:
    quiet_offline()
    import torch
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    model = SentenceTransformer(str(model_dir), device="cpu")
    lean = config.lean()
    if lean:
        # A batch's 32 passages of 256 tokens keep ~2 GB of activations for the backward
        # pass, and glibc's heap keeps what they leave as scattered free space: 3.3 GB at
        # the peak. Here each layer's activations are recomputed in the backward pass
        # instead of kept (drawing the same dropout masks: the same weights, checked), and
        # blocks of 64 KiB and more are mapped and unmapped, never kept in the heap. Peak
        # ~1.2 GB; about twice the time (bench/RESULTS.md).
        transformer: Any = model[0].auto_model
        transformer.activation_checkpointing_enable({"use_reentrant": False})
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.learning_rate)
    headings = list(pairs)
    targets = torch.arange(config.batch_size)

    def encode(texts: list[str]) -> torch.Tensor:
        features = model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)
        return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)

    model.train()
    with large_blocks_mapped() if lean else contextlib.nullcontext():
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


DRIFT_RETRAIN = 0.25  # retrain when more of the corpus's section headings than this are new to the model
KEEP_MODELS = 3  # adapted models kept for reuse in the data folder's cache
META = "adapted.json"  # a kept model's recipe and the headings it learnt from


def adapted_for(
    base: Embedder,
    chunks: Sequence[Chunk],
    out_dir: Path,
    config: AdaptConfig,
    cache_dir: Path,
    reuse: bool = True,
) -> tuple[MiniLMEmbedder, str]:
    """The embedder adapted to ``chunks`` in ``out_dir``, and one line saying how it came.

    Training costs about a minute and a half on 2 cores and, since it makes a new model,
    every passage must then be embedded again. So a model adapted earlier (kept in
    ``cache_dir``, ``KEEP_MODELS`` of them) is reused while at most ``DRIFT_RETRAIN`` of the
    corpus's descriptive section headings are new to it: adding or re-reading a document or
    two costs only that document's embeddings. Past that share, the corpus has changed enough
    that a model adapted to it pays for itself, and a new one is trained and kept; so it is
    when ``reuse`` is false (`airq ingest --force`)."""
    headings = set(heading_pairs(chunks, config.max_passage_chars))
    recipe = recipe_key(base, config)
    best = closest_model(cache_dir, headings, recipe)
    if reuse and best is not None and best[0] <= DRIFT_RETRAIN:
        link_tree(best[1], out_dir)
        (out_dir / META).unlink()
        os.utime(best[1])  # recently used: pruned last
        batch, threads = getattr(base, "batch_size", 32), getattr(base, "threads", None)
        return MiniLMEmbedder(out_dir, batch_size=batch, threads=threads), (
            f"the embedder adapted earlier was reused: {best[0]:.0%} of the section headings are new to it "
            f"(a new one is trained above {DRIFT_RETRAIN:.0%})"
        )
    embedder = adapt_embedder(base, chunks, out_dir, config)
    key = hashlib.sha256(json.dumps([recipe, sorted(headings)]).encode()).hexdigest()[:16]
    entry = cache_dir / key
    cache_dir.mkdir(parents=True, exist_ok=True)
    if not entry.exists():
        tmp = cache_dir / f".{key}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        link_tree(out_dir, tmp)
        meta = {"recipe": recipe, "headings": sorted(headings)}
        (tmp / META).write_text(json.dumps(meta), encoding="utf-8")
        tmp.rename(entry)
    prune(cache_dir, KEEP_MODELS)
    why = (
        "rebuilt by request"
        if not reuse
        else f"{best[0]:.0%} of the section headings were new to the closest earlier model"
        if best is not None
        else "no earlier model to reuse"
    )
    return embedder, f"the embedder was adapted to the corpus ({why}; reused up to {DRIFT_RETRAIN:.0%})"


def recipe_key(base: Embedder, config: AdaptConfig) -> str:
    """What an adapted model was made from besides the corpus: the base model and recipe."""
    made_with = json.dumps([base.name, config.recipe()], sort_keys=True)
    return hashlib.sha256(made_with.encode()).hexdigest()[:16]


def closest_model(cache_dir: Path, headings: set[str], recipe: str) -> tuple[float, Path] | None:
    """The kept model of the same recipe to which the fewest of ``headings`` are new, with
    that share; None when there is none."""
    if not cache_dir.is_dir() or not headings:
        return None
    best: tuple[float, Path] | None = None
    for entry in cache_dir.iterdir():
        try:
            meta = json.loads((entry / META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # half written, or not ours
        if meta.get("recipe") != recipe:
            continue
        new = len(headings - set(meta.get("headings", []))) / len(headings)
        if best is None or new < best[0]:
            best = (new, entry)
    return best


def prune(cache_dir: Path, keep: int) -> None:
    """Remove all but the ``keep`` most recently used entries of ``cache_dir`` (those being
    written, named ".…", are left alone)."""
    entries = sorted(
        (e for e in cache_dir.iterdir() if not e.name.startswith(".")), key=lambda e: e.stat().st_mtime
    )
    for old in entries[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


def link_tree(src: Path, dst: Path) -> None:
    """``src`` copied to ``dst`` as hard links where the file system allows (a model is
    ~90 MB and its files are never written again), else as copies."""

    def link(a: str, b: str) -> None:
        try:
            os.link(a, b)
        except OSError:
            shutil.copy2(a, b)

    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, copy_function=link)


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
