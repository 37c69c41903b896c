"""Run systems over a question set; per-question results, summary metrics, report, plots."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from eval.dataset import Question
from eval.hygiene import hygiene
from eval.metrics import (
    citation_precision,
    fact_recall,
    first_hit,
    hit_at,
    mean,
    ndcg_at,
    percentile,
    ranked_pages,
    reciprocal_rank,
)
from eval.systems import System


@dataclass
class Result:
    system: str
    id: str
    kind: str
    role: str | None
    question: str
    answerable: bool
    answer: str
    abstained: bool
    gold: list[str]
    retrieved: list[str]
    cited: list[str]
    rank: int | None
    ndcg10: float
    citation_precision: float | None
    fact_recall: float
    missed_facts: list[str]
    quotes: int
    verified: int
    latency_ms: float
    failure: str = ""
    detected_role: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    form: str | None = None
    junk: int = 0  # shown quotes that are junk to a reader (eval/hygiene.py)
    junk_reasons: list[str] = field(default_factory=list)
    not_indexed_ok: bool | None = None  # a not-indexed question: named in not_indexed and abstained


def _ref(p: tuple[str, int]) -> str:
    return f"{p[0]} p.{p[1]}"


def judge(system: str, q: Question, out: Any) -> Result:
    gold = q.gold_pages
    rank = first_hit(out.retrieved, gold) if q.answerable else None
    fr, missed = (
        fact_recall(out.answer, q.facts) if q.answerable and not out.abstained else (0.0, list(q.facts))
    )
    if not q.answerable:
        fr, missed = 1.0, []
    cp = citation_precision(out.cited, gold) if q.answerable else None
    if q.answerable:
        if out.abstained:
            failure = "abstained on an answerable question"
        elif rank is None or rank > 5:
            failure = "no gold page among the top 5 passages"
        elif not any(p in gold for p in out.cited):
            failure = "gold page retrieved but not cited"
        elif missed:
            failure = f"missed facts: {'; '.join(missed)}"
        else:
            failure = ""
    else:
        failure = "" if out.abstained else "answered although the documents do not cover it"
    junk, reasons = hygiene(out.quote_texts)
    named_ok: bool | None = None
    if q.kind == "not_indexed":
        named_ok = (
            out.not_indexed is not None and set(q.not_indexed) <= set(out.not_indexed) and out.abstained
        )
        if not named_ok and not failure:
            failure = "did not say the document is not indexed"
    return Result(
        form=out.form,
        junk=junk,
        junk_reasons=reasons,
        not_indexed_ok=named_ok,
        system=system,
        id=q.id,
        kind=q.kind,
        role=q.role,
        question=q.question,
        answerable=q.answerable,
        answer=out.answer,
        abstained=out.abstained,
        gold=[_ref(p) for p in sorted(gold)],
        retrieved=[_ref(p) for p in ranked_pages(out.retrieved)[:10]],
        cited=[_ref(p) for p in out.cited],
        rank=rank,
        ndcg10=ndcg_at(out.retrieved, gold, 10) if q.answerable else 0.0,
        citation_precision=cp,
        fact_recall=fr,
        missed_facts=missed,
        quotes=out.quotes,
        verified=out.verified,
        latency_ms=round(out.latency_ms, 1),
        failure=failure,
        detected_role=getattr(out, "role", None),
    )


def run(
    questions: Sequence[Question],
    systems: Sequence[System],
    on_step: Callable[[str, int], None] | None = None,
) -> list[Result]:
    results = []
    for s in systems:
        for i, q in enumerate(questions, start=1):
            results.append(judge(s.name, q, s.run(q.question)))
            if on_step:
                on_step(s.name, i)
    return results


def _block(rs: Sequence[Result]) -> dict[str, float]:
    ans = [r for r in rs if r.answerable]
    una = [r for r in rs if not r.answerable]
    cps = [r.citation_precision for r in ans if r.citation_precision is not None]
    quotes = sum(r.quotes for r in rs)
    asked = [r for r in rs if r.kind == "role" and r.role]  # role questions: the asker's own words
    return {
        "n": len(rs),
        "answerable": len(ans),
        "hit@1": mean([hit_at(r.rank, 1) for r in ans]),
        "hit@3": mean([hit_at(r.rank, 3) for r in ans]),
        "hit@5": mean([hit_at(r.rank, 5) for r in ans]),
        "mrr": mean([reciprocal_rank(r.rank) for r in ans]),
        "ndcg@10": mean([r.ndcg10 for r in ans]),
        "citation_precision": mean(cps),
        "fact_recall": mean([r.fact_recall for r in ans]),
        "quote_verification": (sum(r.verified for r in rs) / quotes) if quotes else float("nan"),
        "abstention_recall": mean([1.0 if r.abstained else 0.0 for r in una]) if una else float("nan"),
        "false_abstention": mean([1.0 if r.abstained else 0.0 for r in ans]),
        "role_accuracy": mean([1.0 if r.detected_role == r.role else 0.0 for r in asked])
        if asked and all(r.detected_role is not None for r in asked)
        else float("nan"),
        "quote_junk": (sum(r.junk for r in rs) / quotes) if quotes else float("nan"),
        "not_indexed_named": mean([1.0 if r.not_indexed_ok else 0.0 for r in named])
        if (named := [r for r in rs if r.not_indexed_ok is not None])
        else float("nan"),
        "latency_p50_ms": percentile([r.latency_ms for r in rs], 50),
        "latency_p95_ms": percentile([r.latency_ms for r in rs], 95),
    }


def summarize(results: Sequence[Result]) -> dict[str, Any]:
    by_sys: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_sys[r.system].append(r)
    out: dict[str, Any] = {}
    for name, rs in by_sys.items():
        kinds: dict[str, list[Result]] = defaultdict(list)
        roles: dict[str, list[Result]] = defaultdict(list)
        forms: dict[str, list[Result]] = defaultdict(list)
        for r in rs:
            kinds[r.kind].append(r)
            if r.form:
                forms[r.form].append(r)
            if r.role:
                roles[r.role].append(r)
        out[name] = {
            "overall": _block(rs),
            "per_kind": {k: _block(v) for k, v in sorted(kinds.items())},
            "per_role": {k: _block(v) for k, v in sorted(roles.items())},
            "per_form": {k: _block(v) for k, v in sorted(forms.items())},
        }
    return out


def worst(results: Sequence[Result], system: str, n: int = 10) -> list[Result]:
    rs = [r for r in results if r.system == system and r.failure]
    return sorted(rs, key=lambda r: (r.answerable, -(r.rank or 99), r.fact_recall))[:n]


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "n/a" if v != v else f"{v:.3f}"
    return str(v)


def write(out: Path, results: Sequence[Result], metrics: dict[str, Any], meta: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "metrics.json").write_text(json.dumps({"meta": meta, "systems": metrics}, indent=2) + "\n")
    with (out / "results.jsonl").open("w", encoding="utf-8") as f:
        for r in results:
            f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
    plots(out, metrics)
    (out / "report.md").write_text(report(results, metrics, meta), encoding="utf-8")


COLUMNS = [
    "hit@1",
    "hit@3",
    "hit@5",
    "mrr",
    "ndcg@10",
    "citation_precision",
    "fact_recall",
    "quote_junk",
    "quote_verification",
    "abstention_recall",
    "false_abstention",
    "not_indexed_named",
    "role_accuracy",
    "latency_p50_ms",
    "latency_p95_ms",
]


def report(results: Sequence[Result], metrics: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [f"# airq evaluation — {meta.get('dataset', '')}", ""]
    lines += [
        f"{meta.get('questions')} questions; run {meta.get('when', '')}; "
        f"command: `{meta.get('command', '')}`.",
        "",
    ]
    lines += [
        "Metrics: page hit@k / MRR / nDCG@10 over retrieved passages (answerable questions); "
        "citation precision = share of citations on a gold page; fact recall = share of the "
        "question's facts found in the first 120 words of the answer; abstention recall on "
        "unanswerable questions; false abstention on answerable ones.",
        "",
    ]
    lines += ["## Systems", "", "| system | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, m in metrics.items():
        lines.append(f"| {name} | " + " | ".join(_fmt(m["overall"][c]) for c in COLUMNS) + " |")
    lines += ["", "![hit@k per system](hit_at_k.png)", "", "![hit@5 per kind](per_kind.png)", ""]
    lines += ["## Per kind (hit@5 / fact recall)", ""]
    names = list(metrics)
    kinds = sorted({k for m in metrics.values() for k in m["per_kind"]})
    lines += ["| kind | n | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
    for k in kinds:
        n = next(m["per_kind"][k]["n"] for m in metrics.values() if k in m["per_kind"])
        cells = []
        for name in names:
            b = metrics[name]["per_kind"].get(k)
            if b is None:
                cells.append("")
            elif k in ("unanswerable", "not_indexed"):
                cells.append(f"abstains {_fmt(b['abstention_recall'])}")
            else:
                cells.append(f"{_fmt(b['hit@5'])} / {_fmt(b['fact_recall'])}")
        lines.append(f"| {k} | {n} | " + " | ".join(cells) + " |")
    forms = sorted({k for m in metrics.values() for k in m.get("per_form", {})})
    if forms:
        lines += ["", "## Per answer form (n / fact recall / quote junk)", ""]
        lines += ["| form | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
        for k in forms:
            cells = []
            for name in names:
                b = metrics[name].get("per_form", {}).get(k)
                cells.append(
                    f"{b['n']} / {_fmt(b['fact_recall'])} / {_fmt(b['quote_junk'])}" if b is not None else ""
                )
            lines.append(f"| {k} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## Per role (hit@5 / fact recall)",
        "",
        "Role accuracy: on role questions (the asker describes themselves in their own words), "
        "the share where the role airq answered for is the question's gold role.",
        "",
    ]
    roles = sorted({k for m in metrics.values() for k in m["per_role"]})
    lines += ["| role | n | " + " | ".join(names) + " |", "|---" * (len(names) + 2) + "|"]
    for k in roles:
        n = next(m["per_role"][k]["n"] for m in metrics.values() if k in m["per_role"])
        cells = [
            f"{_fmt(metrics[nm]['per_role'][k]['hit@5'])} / {_fmt(metrics[nm]['per_role'][k]['fact_recall'])}"
            if k in metrics[nm]["per_role"]
            else ""
            for nm in names
        ]
        lines.append(f"| {k} | {n} | " + " | ".join(cells) + " |")
    main = names[0]
    lines += ["", f"## The 10 worst questions for {main}", ""]
    for r in worst(results, main):
        lines += [
            f"- **{r.id}** ({r.kind}) {r.question}",
            f"  - why: {r.failure}",
            f"  - gold: {', '.join(r.gold) or '—'}; retrieved: {', '.join(r.retrieved[:5]) or '—'}",
        ]
    return "\n".join(lines) + "\n"


def plots(out: Path, metrics: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    ks = [1, 3, 5]
    for name, m in metrics.items():
        ax.plot(ks, [m["overall"][f"hit@{k}"] for k in ks], marker="o", label=name)
    ax.set_xlabel("k (passages)")
    ax.set_ylabel("page hit@k")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title("Gold page among the top k passages")
    fig.tight_layout()
    fig.savefig(out / "hit_at_k.png", dpi=120)
    plt.close(fig)

    kinds = sorted({k for m in metrics.values() for k in m["per_kind"] if k != "unanswerable"})
    fig, ax = plt.subplots(figsize=(7, 4))
    width = 0.8 / max(1, len(metrics))
    for i, (name, m) in enumerate(metrics.items()):
        ax.bar(
            [x + i * width for x in range(len(kinds))],
            [m["per_kind"].get(k, {}).get("hit@5", 0.0) for k in kinds],
            width,
            label=name,
        )
    ax.set_xticks([x + width * (len(metrics) - 1) / 2 for x in range(len(kinds))])
    ax.set_xticklabels(kinds)
    ax.set_ylim(0, 1)
    ax.set_ylabel("page hit@5")
    ax.legend(fontsize=8)
    ax.set_title("hit@5 per question kind")
    fig.tight_layout()
    fig.savefig(out / "per_kind.png", dpi=120)
    plt.close(fig)


def gate(metrics: dict[str, Any], floor: dict[str, Any]) -> list[str]:
    """Breaches of the committed floor: empty when the system is at least as good."""
    m = metrics.get(floor["system"], {}).get("overall")
    if m is None:
        return [f"system {floor['system']!r} was not evaluated"]
    low = [
        f"{floor['system']} {key} {m[key]:.3f} < floor {value:.3f}"
        for key, value in floor["minimums"].items()
        if not m[key] >= value - 1e-9  # NaN (nothing measured) fails too
    ]
    high = [
        f"{floor['system']} {key} {m[key]:.3f} > ceiling {value:.3f}"
        for key, value in floor.get("maximums", {}).items()
        if not m[key] <= value + 1e-9
    ]
    return low + high


def score(
    questions: Sequence[Question], answers: dict[str, dict[str, Any]], system: str = "airq"
) -> list[Result]:
    """Judge answers printed by a batch run (the JSON answer schema, by question id): the
    same judgement as ``run``, with the citations as the only ranking."""
    from eval.systems import from_answer

    out = []
    for q in questions:
        a = answers.get(q.id)
        if a is None:
            a = {"answer": "", "abstained": False, "citations": []}
        out.append(judge(system, q, from_answer(a)))
    return out
