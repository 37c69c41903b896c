"""Fit the abstention threshold on the dev set: the evidence score below which airq says
the documents do not answer.

The threshold maximises balanced accuracy (unanswerable questions abstained, answerable
ones answered) with false abstentions capped, and is written with its figures to
``qa/calibration.json`` so that every run uses the same, recorded value.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Calibration:
    threshold: float
    abstain_recall: float  # unanswerable questions that abstain
    false_abstention: float  # answerable questions that abstain
    n_answerable: int
    n_unanswerable: int


def fit_threshold(
    answerable: Sequence[float], unanswerable: Sequence[float], max_false_abstention: float = 0.1
) -> Calibration:
    """Best threshold over the observed evidence scores: the highest balanced accuracy
    with false abstentions capped, and among equally good cuts the one with the widest gap
    to the scores on either side (a margin generalises better than the lowest passing cut)."""
    if not answerable or not unanswerable:
        raise ValueError("calibration needs both answerable and unanswerable questions")
    values = sorted(set(answerable) | set(unanswerable))
    cuts = [(values[0] - 1e-6, 0.0)] + [((a + b) / 2, b - a) for a, b in itertools.pairwise(values)]
    best: tuple[float, float, Calibration] | None = None
    for t, gap in cuts:
        rec = sum(u < t for u in unanswerable) / len(unanswerable)
        fa = sum(a < t for a in answerable) / len(answerable)
        if fa > max_false_abstention:
            continue
        bal = (rec + 1 - fa) / 2
        cal = Calibration(round(t, 4), rec, fa, len(answerable), len(unanswerable))
        if best is None or bal > best[0] + 1e-12 or (abs(bal - best[0]) < 1e-12 and gap > best[1]):
            best = (bal, gap, cal)
    assert best is not None
    return best[2]


def write(cal: Calibration, datasets: Sequence[Path], out: Path) -> None:
    digest = hashlib.sha256(b"".join(d.read_bytes() for d in datasets)).hexdigest()[:16]
    out.write_text(
        json.dumps(
            {
                "threshold": cal.threshold,
                "abstain_recall": round(cal.abstain_recall, 4),
                "false_abstention": round(cal.false_abstention, 4),
                "n_answerable": cal.n_answerable,
                "n_unanswerable": cal.n_unanswerable,
                "datasets": [str(d) for d in datasets],
                "dataset_sha256_16": digest,
                "command": "airq eval calibrate",
            },
            indent=2,
        )
        + "\n"
    )
