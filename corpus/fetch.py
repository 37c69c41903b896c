"""Get source PDFs into the corpus folder: download from the official URL or copy a local file.

Every file is checked against the manifest's sha256 before it lands, and lands atomically
(temporary file, then rename), so a broken transfer never leaves a half file behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from urllib.parse import urlparse

import httpx

from core.types import DocumentInfo
from corpus.manifest import check, doc_path, sha256_file

Progress = Callable[[str, int, int | None], None]  # (doc id, bytes so far, total or None)


class Outcome(StrEnum):
    ALREADY = "already present"
    DOWNLOADED = "downloaded"
    COPIED = "copied"
    MISSING = "missing"  # not in the folder copied from: nothing went wrong, it is just not there
    FAILED = "failed"


@dataclass(frozen=True)
class FetchResult:
    doc: DocumentInfo
    outcome: Outcome
    message: str = ""

    @property
    def usable(self) -> bool:
        return self.outcome not in (Outcome.FAILED, Outcome.MISSING)


def _atomic_place(src_write: Callable[[Path], str], dest: Path, expected: str | None) -> str:
    """Write via ``src_write`` into a temp file beside ``dest``; check the digest; rename."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        digest = src_write(tmp)
        with tmp.open("rb") as f:
            if f.read(5) != b"%PDF-":
                raise ValueError("not a PDF (an error or login page?)")
        if expected and digest != expected:
            raise ValueError(f"sha256 {digest[:12]}… does not match the manifest's {expected[:12]}…")
        os.replace(tmp, dest)
        return digest
    finally:
        tmp.unlink(missing_ok=True)


def _candidates(doc: DocumentInfo, folder: Path) -> list[Path]:
    names = [f"{doc.id}.pdf"] + [Path(urlparse(u).path).name for u in (doc.url, *doc.alt_urls)]
    return [folder / n for n in dict.fromkeys(names) if (folder / n).is_file()]


def copy_from(doc: DocumentInfo, folder: Path, corpus_dir: Path) -> FetchResult:
    """Copy the document from a local folder (by id or by its official file name)."""
    found = _candidates(doc, folder)
    if not found:
        return FetchResult(doc, Outcome.MISSING, f"not in {folder} (looked for {doc.id}.pdf)")
    src = found[0]

    def write(tmp: Path) -> str:
        shutil.copyfile(src, tmp)
        return sha256_file(tmp)

    try:
        _atomic_place(write, doc_path(doc.id, corpus_dir), doc.sha256)
    except (OSError, ValueError) as exc:
        return FetchResult(doc, Outcome.FAILED, f"{src}: {exc}")
    return FetchResult(doc, Outcome.COPIED, str(src))


def download(
    doc: DocumentInfo,
    corpus_dir: Path,
    client: httpx.Client,
    retries: int = 3,
    progress: Progress | None = None,
) -> FetchResult:
    """Download from the official URL (then the alternates), retrying transient failures."""
    errors: list[str] = []
    for url in (doc.url, *doc.alt_urls):
        for attempt in range(1, retries + 1):
            try:

                def write(tmp: Path, url: str = url) -> str:
                    h = hashlib.sha256()
                    with client.stream("GET", url, follow_redirects=True) as resp:
                        resp.raise_for_status()
                        total = int(resp.headers.get("content-length", 0)) or None
                        done = 0
                        with tmp.open("wb") as out:
                            for block in resp.iter_bytes(1 << 16):
                                out.write(block)
                                h.update(block)
                                done += len(block)
                                if progress:
                                    progress(doc.id, done, total)
                    return h.hexdigest()

                _atomic_place(write, doc_path(doc.id, corpus_dir), doc.sha256)
                return FetchResult(doc, Outcome.DOWNLOADED, url)
            except httpx.HTTPStatusError as exc:
                errors.append(f"{url}: HTTP {exc.response.status_code}")
                if exc.response.status_code < 500:
                    break  # a 404 will not heal by retrying
            except (httpx.HTTPError, OSError) as exc:
                errors.append(f"{url}: {type(exc).__name__}: {exc}")
            except ValueError as exc:  # checksum mismatch: the server sent another file
                errors.append(f"{url}: {exc}")
                break
            if attempt < retries:
                time.sleep(min(2.0 ** (attempt - 1), 8.0) * 0.5)
    return FetchResult(doc, Outcome.FAILED, errors[-1] if errors else "no URL")


def fetch(
    docs: Iterable[DocumentInfo],
    corpus_dir: Path,
    from_dir: Path | None = None,
    client: httpx.Client | None = None,
    progress: Progress | None = None,
    retries: int = 3,
) -> list[FetchResult]:
    """Make each document present: keep a good file, else copy from ``from_dir``, else download."""
    results: list[FetchResult] = []
    own_client = client is None
    http = client or httpx.Client(
        timeout=httpx.Timeout(30.0, connect=10.0),
        headers={"User-Agent": "airq/0.1 (+corpus fetch)"},
    )
    try:
        for doc in docs:
            if check(doc, corpus_dir).usable:
                results.append(FetchResult(doc, Outcome.ALREADY))
            elif not doc.url:  # added with `airq add`: there is nowhere to fetch it from
                results.append(
                    FetchResult(
                        doc, Outcome.MISSING, "added with `airq add` and since gone; add the file again"
                    )
                )
            elif from_dir is not None:
                results.append(copy_from(doc, from_dir, corpus_dir))
            else:
                results.append(download(doc, corpus_dir, http, retries, progress))
    finally:
        if own_client:
            http.close()
    return results
