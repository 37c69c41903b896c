"""The ``airq`` command end to end, as a user runs it (a real subprocess)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_CORPUS


def airq(*args: str, data: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    e = {**os.environ, **env}
    if data is not None:
        e["AIRQ_DATA_DIR"] = str(data)
    exe = str(Path(sys.executable).with_name("airq"))
    return subprocess.run([exe, *args], capture_output=True, text=True, env=e, timeout=600)


def test_help_is_fast_and_lists_commands() -> None:
    r = airq("--help")
    assert r.returncode == 0
    for cmd in ("ingest", "ask", "cite", "corpus", "eval"):
        assert cmd in r.stdout


def test_corpus_list_and_fetch_from_folder(tmp_path: Path) -> None:
    if not SHARED_CORPUS.is_dir():
        pytest.skip("no shared corpus")
    files = tmp_path / "files"
    r = airq("corpus", "fetch", "nist-ai-800-1-ipd", "--from", str(SHARED_CORPUS), "--corpus-dir", str(files))
    assert r.returncode == 0, r.stderr
    assert (files / "nist-ai-800-1-ipd.pdf").is_file()
    r = airq("corpus", "list", "--corpus-dir", str(files))
    assert "nist-ai-800-1-ipd" in r.stdout and "present" in r.stdout and "missing" in r.stdout
    r = airq("corpus", "fetch", "dhs-ai-roles-framework", "--from", str(tmp_path), "--corpus-dir", str(files))
    assert r.returncode != 0
    assert "24_1114_dhs_ai-roles-and-responsibilities-framework-508.pdf" in r.stdout
    assert "--from" in r.stdout


def test_bad_input_gets_one_clear_line(tmp_path: Path) -> None:
    r = airq("ask", "--batch", str(tmp_path / "nope.jsonl"), data=tmp_path)
    assert r.returncode == 2 and "no such file" in r.stderr
    r = airq("ask", "anything", data=tmp_path / "empty")
    assert r.returncode == 1 and "run `airq ingest` first" in r.stderr
    r = airq("corpus", "fetch", "no-such-doc")
    assert r.returncode == 2 and "unknown document id" in r.stderr
    r = airq("ingest", "--corpus-dir", str(tmp_path / "missing"), data=tmp_path)
    assert r.returncode == 2 and "no such folder" in r.stderr
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(b'{"id": 1, "question": "caf\xe9"}\n')
    r = airq("ask", "--batch", str(bad), data=tmp_path)
    assert r.returncode == 2 and "not UTF-8 text" in r.stderr and "Traceback" not in r.stderr
    r = airq("corpus", "list", AIRQ_CHROMA_URL="localhost:8000")
    assert r.returncode == 2 and "AIRQ_CHROMA_URL" in r.stderr


def test_cheap_checks_come_before_the_models_load(tmp_path: Path) -> None:
    """An empty question or an unknown --doc is refused from the build's manifest alone: a
    fake index with no models or vectors at all shows nothing is loaded first."""
    data = tmp_path / "data"
    build = data / "builds" / "b1"
    build.mkdir(parents=True)
    (build / "manifest.json").write_text(json.dumps({"build_id": "b1", "docs": {"nist-ai-100-1": {}}}))
    (data / "current").symlink_to(Path("builds") / "b1")
    r = airq("ask", "  ", data=data)
    assert r.returncode == 2 and "question: empty" in r.stderr and "Traceback" not in r.stderr
    r = airq("ask", "red teams", "--doc", "nist-ai-600-2", data=data)
    assert r.returncode == 2 and "--doc nist-ai-600-2: not in the index" in r.stderr
    r = airq("cite", "", data=data)
    assert r.returncode == 2 and "query: empty" in r.stderr


def test_ingest_exit_codes_are_stable(tmp_path: Path) -> None:
    """Exit 1 while a file cannot be indexed, on the first run and every rerun; 3 for the
    environment (a data folder that cannot be written); the others indexed meanwhile."""
    from tests.pdfmaker import make_pdf

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    make_pdf(corpus / "good.pdf", [["Operators should inventory their AI systems and their owners."]])
    (corpus / "broken.pdf").write_text("not a pdf")
    (corpus / "dangling.pdf").symlink_to(tmp_path / "nowhere.pdf")
    env = {"AIRQ_ADAPT_EMBEDDER": "false", "AIRQ_CORPUS_DIR": str(corpus)}
    for _ in range(2):
        r = airq("ingest", data=tmp_path / "data", **env)
        assert r.returncode == 1, r.stderr
        assert "broken.pdf: not a PDF" in r.stderr and "dangling.pdf: a broken link" in r.stderr
        assert "Traceback" not in r.stderr
    (corpus / "broken.pdf").unlink()
    (corpus / "dangling.pdf").unlink()
    assert airq("ingest", data=tmp_path / "data", **env).returncode == 0
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    r = airq("ingest", data=blocked / "data", **env)
    assert r.returncode == 3 and "cannot write there" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.integration
def test_ask_json_batch_and_cite(real_index: Path, tmp_path: Path) -> None:
    r = airq("ask", "What does the GenAI profile say about confabulation?", "--json", data=real_index)
    assert r.returncode == 0, r.stderr
    ans = json.loads(r.stdout)
    assert set(ans) == {
        "question",
        "answer",
        "abstained",
        "citations",
        "timings_ms",
        "role",
        "role_source",
        "role_note",
        "searched_also",
        "form",
        "not_indexed",
        "mode",
        "model",
        "claims",
        "mode_note",
    }
    assert ans["mode"] == "extractive" and ans["model"] is None and ans["claims"] == []
    assert ans["searched_also"] == []  # "GenAI profile" names a document; "confabulation" is theirs
    assert ans["not_indexed"] == [] and ans["form"] in ("definition", "fact")
    c = ans["citations"][0]
    assert set(c) == {
        "n",
        "doc",
        "title",
        "page",
        "page_end",
        "page_label",
        "section",
        "quote",
        "verified",
        "score",
    }
    assert c["verified"] is True and "total" in ans["timings_ms"]

    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"id": "a1", "question": "What is a threat profile?"}\nnot json\n'
        '{"id": "s", "question": "bad \\ud800 text"}\n'
        '{"id": 7, "question": "What does PW.1.1 require?"}\n{"id": "x"}\n'
    )
    r = airq("ask", "--batch", str(batch), "--json", data=real_index)
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a1", "7"]  # a lone surrogate skips its line, not the rest
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"{batch}:2: not valid JSON" in r.stderr and f"{batch}:5: field 'question'" in r.stderr
    assert f"{batch}:3: field 'question' is not valid text" in r.stderr

    r = airq("ask", "red teams", "--doc", "no-such-doc", data=real_index)
    assert r.returncode == 2 and "--doc no-such-doc" in r.stderr

    r = airq("cite", "GOVERN 1.2", "--json", data=real_index)
    res = json.loads(r.stdout)
    assert res["kind"] == "identifier" and res["matches"]

    r = airq("ask", "What is a threat profile?", data=real_index)
    assert r.returncode == 0 and "[1]" in r.stdout and "PDF page" in r.stdout


@pytest.mark.integration
def test_eval_run_with_floor(real_index: Path, tmp_path: Path) -> None:
    floor = tmp_path / "floor.json"
    floor.write_text('{"system": "airq", "minimums": {"hit@5": 0.5, "quote_verification": 1.0}}')
    out = tmp_path / "report"
    r = airq("eval", "run", "--systems", "airq", "--floor", str(floor), "--out", str(out), data=real_index)
    assert r.returncode == 0, r.stderr
    assert "floor" in r.stdout and (out / "report.md").is_file()
    floor.write_text('{"system": "airq", "minimums": {"hit@5": 1.01}}')
    r = airq("eval", "run", "--systems", "airq", "--floor", str(floor), "--out", str(out), data=real_index)
    assert r.returncode == 1 and "below floor" in r.stderr
    r = airq("eval", "run", "--systems", "gpt", data=real_index)
    assert r.returncode == 2 and "unknown" in r.stderr
    r = airq("eval", "retrieval", "--json", data=real_index)
    quick = json.loads(r.stdout)
    assert quick["overall"]["hit@5"] >= 0.5 and "role" in quick["per_kind"]


@pytest.mark.integration
def test_obligations_and_roles(real_index: Path) -> None:
    r = airq(
        "obligations",
        "--role",
        "ai-developer",
        "--topic",
        "model theft",
        "--limit",
        "3",
        "--json",
        data=real_index,
    )
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["count"] == 3 and all(i["verified"] for i in out["items"])
    r = airq("obligations", "--role", "ci-owner-operator", "--markdown", "--limit", "5", data=real_index)
    assert r.returncode == 0 and r.stdout.startswith("# What the guidance asks of")
    r = airq("obligations", "--role", "astronaut", data=real_index)
    assert r.returncode == 2 and "not a role" in r.stderr
    r = airq("roles")
    assert r.returncode == 0 and "ci-owner-operator" in r.stdout
    r = airq("ask", "What should we test?", "--role", "pilot", data=real_index)
    assert r.returncode == 2 and "--role" in r.stderr


def test_eval_roles_on_the_dev_set_and_a_bad_file(tmp_path: Path) -> None:
    """Role detection alone, no index: the dev set's role questions are all detected."""
    r = airq("eval", "roles", "--json")
    assert r.returncode == 0, r.stderr
    figures = json.loads(r.stdout)
    assert figures["with_role"] == 32 and figures["accuracy"] >= 0.9
    bad = tmp_path / "roles.jsonl"
    bad.write_text('{"question": "Who am I?", "role": "astronaut"}\n')
    r = airq("eval", "roles", "--dataset", str(bad))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "field 'role'" in r.stderr


@pytest.mark.integration
def test_eval_add_judgements_checks_quotes_before_writing(real_index: Path, tmp_path: Path) -> None:
    """Pooled judgements join the gold only when every quote is on its page; else nothing moves."""
    from eval.dataset import DEV
    from index.build import current_dir

    first = json.loads(DEV.read_text(encoding="utf-8").splitlines()[0])
    dataset = tmp_path / "set.jsonl"
    dataset.write_text(json.dumps(first) + "\n", encoding="utf-8")
    before = dataset.read_bytes()
    page = 7 if 7 not in first["gold"][0]["pages"] else 8
    doc = first["gold"][0]["doc"]
    pages = [json.loads(x) for x in (current_dir(real_index) / "pages.jsonl").open(encoding="utf-8")]
    text = next(p["text"] for p in pages if p["doc"] == doc and p["page"] == page)
    quote = " ".join(text.split()[10:22])
    judged = tmp_path / "judged.jsonl"
    row = {"id": first["id"], "doc": doc, "page": page, "verdict": "answers", "quote": "words nowhere in it"}
    judged.write_text(json.dumps(row) + "\n")
    r = airq("eval", "add-judgements", str(judged), "--dataset", str(dataset), data=real_index)
    assert r.returncode == 1 and "the quote is not on the page" in r.stderr and "nothing written" in r.stderr
    assert dataset.read_bytes() == before
    judged.write_text(json.dumps(row | {"quote": quote}) + "\n")
    r = airq("eval", "add-judgements", str(judged), "--dataset", str(dataset), data=real_index)
    assert r.returncode == 0, r.stderr
    assert "1 page(s) joined the gold" in r.stdout
    gold = json.loads(dataset.read_text())["gold"]
    assert page in next(g["pages"] for g in gold if g["doc"] == doc)
    pooled = tmp_path / "pool.jsonl"
    args = ("--systems", "airq-bm25", "--dataset", str(dataset), "--out", str(pooled))
    r = airq("eval", "pool", *args, data=real_index)
    assert r.returncode == 0, r.stderr
    rows = [json.loads(x) for x in pooled.read_text(encoding="utf-8").splitlines()]
    assert rows and all(x["id"] == first["id"] and x["text"] and x["systems"] == ["airq-bm25"] for x in rows)
    assert not any(x["page"] in g["pages"] and x["doc"] == g["doc"] for x in rows for g in gold)
    r = airq("eval", "pool", *args, "--k", "15", data=real_index)  # deeper pools judge more pages
    assert r.returncode == 0 and len(pooled.read_text(encoding="utf-8").splitlines()) > len(rows)


@pytest.mark.integration
def test_a_read_only_data_folder_is_one_line(real_index: Path) -> None:
    """`ask` and `ingest` on a data folder mounted read-only (a private mount namespace:
    needs root, as CI has): one line each, naming the folder, and no traceback."""
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no mount namespace here (needs root)")
    exe = str(Path(sys.executable).with_name("airq"))
    d = str(real_index)
    script = (
        f"mount --bind {d} {d} && mount -o remount,bind,ro {d} && "
        f"{exe} ask 'What is confabulation?'; echo rc=$?; {exe} ingest; echo rc=$?"
    )
    env = {**os.environ, "AIRQ_DATA_DIR": d, "AIRQ_CORPUS_DIR": str(SHARED_CORPUS)}
    r = subprocess.run(
        ["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, env=env, timeout=600
    )
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    assert r.stdout.count("rc=1") == 1 and r.stdout.count("rc=3") == 1, r.stdout
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and all(f"{d}: cannot write there" in e for e in errors), errors


def test_check_a_file_and_stdin(real_index: Path, tmp_path: Path) -> None:
    memo = tmp_path / "memo.md"
    memo.write_text(
        "# Memo\n\nThe AI RMF Core is composed of four functions: Govern, Map, Measure and Manage.\n\n"
        "Operators must report AI incidents to the EPA within 72 hours.\n",
        encoding="utf-8",
    )
    r = airq("check", str(memo), data=real_index)
    assert r.returncode == 0, r.stderr
    assert "✔ supported" in r.stdout and "PDF page" in r.stdout
    assert r.stdout.rstrip().endswith("1 supported, 0 partly, 1 not found.") or "1 supported" in r.stdout
    exe = str(Path(sys.executable).with_name("airq"))
    r = subprocess.run(
        [exe, "check", "-", "--json"],
        input=memo.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        env={**os.environ, "AIRQ_DATA_DIR": str(real_index)},
        timeout=600,
    )
    assert r.returncode == 0, r.stderr
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [set(x) for x in rows] == [{"sentence", "verdict", "citations", "unmatched"}] * 2
    assert rows[0]["verdict"] == "supported" and rows[0]["citations"][0]["verified"]
    assert rows[1]["verdict"] != "supported"


def test_check_bad_input_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "memo.txt"
    bad.write_bytes(b"\xff\xfe not text")
    r = airq("check", str(bad), data=tmp_path / "none")
    assert (
        r.returncode == 2
        and "memo.txt: not UTF-8 text" in r.stderr
        and len(r.stderr.strip().splitlines()) == 1
    )
    r = airq("check", str(tmp_path / "missing.md"), data=tmp_path / "none")
    assert r.returncode == 2 and "missing.md: cannot read" in r.stderr
    empty = tmp_path / "empty.md"
    empty.write_text("   \n", encoding="utf-8")
    r = airq("check", str(empty), data=tmp_path / "none")
    assert r.returncode == 2 and "no text to check" in r.stderr


def test_the_readme_check_example_is_a_real_run(real_index: Path) -> None:
    """README's `airq check docs/examples/memo.md` block: the same sentences, verdicts, what
    each lacks and the summary as a run now (the quotes are checked by the other tests)."""
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ airq check docs/examples/memo.md\n", 1)[1].split("```", 1)[0]
    r = airq("check", str(root / "docs" / "examples" / "memo.md"), data=real_index)
    assert r.returncode == 0, r.stderr

    def verdicts(text: str) -> list[str]:
        keep = ("1.", "2.", "3.", "4.", "5.", "6.", "not in the source:")
        return [x.strip() for x in text.splitlines() if x.strip().startswith(keep) or x.endswith("found.")]

    assert verdicts(r.stdout) == verdicts(block)


def test_a_port_in_use_is_one_line_before_any_address(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        r = airq("serve", "--port", str(port), data=tmp_path / "none")
    assert r.returncode == 2 and r.stdout == ""
    assert (
        f"--port {port}: cannot listen on 127.0.0.1:{port}" in r.stderr
        and "choose another --port" in r.stderr
    )
    assert "Traceback" not in r.stderr


def test_add_your_own_pdf(tmp_path: Path) -> None:
    from corpus.manifest import load_manifest, local_manifest_path
    from index.build import sources_from_corpus
    from tests.pdfmaker import make_pdf

    corpus = tmp_path / "corpus"
    pdf = make_pdf(
        tmp_path / "Grid AI Policy.pdf", [["Our grid AI policy.", "Models are tested before use."]]
    )
    r = airq("add", str(pdf), "--alias", "our policy", AIRQ_CORPUS_DIR=str(corpus))
    assert r.returncode == 0, r.stderr
    assert "added grid-ai-policy: Grid AI Policy (1 pages" in r.stdout and "airq ingest" in r.stdout
    docs = {d.id: d for d in load_manifest(local=local_manifest_path(corpus))}
    added = docs["grid-ai-policy"]
    assert added.title == "Grid AI Policy" and added.aliases == ("our policy",) and added.sha256
    assert (corpus / "grid-ai-policy.pdf").read_bytes() == pdf.read_bytes()
    sources, _ = sources_from_corpus(corpus)
    assert [(s.doc, s.title, s.problem) for s in sources] == [("grid-ai-policy", "Grid AI Policy", None)]
    listed = airq("corpus", "list", AIRQ_CORPUS_DIR=str(corpus), data=tmp_path / "none")
    assert "grid-ai-policy" in listed.stdout and "Nothing is indexed yet" in listed.stdout
    # A changed file is noticed like any other; bad input is one line and changes nothing.
    (corpus / "grid-ai-policy.pdf").write_bytes(pdf.read_bytes() + b"\n%changed")
    assert "checksum mismatch" in (sources_from_corpus(corpus)[0][0].problem or "")
    before = local_manifest_path(corpus).read_text()
    (tmp_path / "notes.pdf").write_text("not a pdf")
    r = airq("add", str(tmp_path / "notes.pdf"), AIRQ_CORPUS_DIR=str(corpus))
    assert r.returncode == 2 and "not a PDF" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    r = airq("add", str(pdf), "--id", "nist-ai-100-1", AIRQ_CORPUS_DIR=str(corpus))
    assert r.returncode == 2 and "--id nist-ai-100-1" in r.stderr
    assert local_manifest_path(corpus).read_text() == before


def _readme_block(command: str) -> list[str]:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    return readme.split(f"$ {command}\n", 1)[1].split("```", 1)[0].rstrip("\n").split("\n")


def _same_line(shown: str, ran: str) -> bool:
    """A README line is the run's line, or its first 200 characters cut with " …"."""
    strip = lambda s: re.sub(r"\s*\[\d+\]", "", s)  # noqa: E731 (marker numbers may differ)
    shown, ran = strip(shown), strip(ran)
    return shown == ran or (shown.endswith(" …") and ran.startswith(shown[:-2]))


@pytest.mark.parametrize(
    "question",
    [
        "We host an inference API for other companies' models. How should we protect model weights "
        "from theft?",
        "What does the DHS framework ask cloud providers to do?",
    ],
)
def test_the_readme_ask_examples_are_real_runs(real_index: Path, question: str) -> None:
    """Every line of README's pasted answers (before the citation list) is in a run now, and
    the run's answer has no line the README lacks; order may differ (near-tied passages)."""
    block = _readme_block(f'airq ask "{question}"')
    at = next((i for i, x in enumerate(block) if re.match(r"^\[\d+\] ", x)), None)
    shown = [x for x in (block[:at] if at is not None else block) if x and x != "…"]
    whole = at is not None  # the answer is pasted whole (only its citation list is cut)
    r = airq("ask", question, data=real_index)
    assert r.returncode == 0, r.stderr
    ran = r.stdout.split("\n\n[1] ", 1)[0].rstrip("\n").split("\n")
    missing = [x for x in shown if not any(_same_line(x, y) for y in ran)]
    extra = [y for y in ran if whole and not any(_same_line(x, y) for x in shown)]
    assert not missing and not extra, (missing, extra)
