"""``airq`` command line (Typer + Rich).

Heavy libraries (torch, llama-index, chromadb) are imported inside the commands that need
them, so ``airq --help`` and ``airq corpus list`` start instantly.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from core.settings import Settings, get_settings

app = typer.Typer(
    name="airq",
    help="Answers from U.S. guidance on AI in critical infrastructure, with verified page citations.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
corpus_app = typer.Typer(help="The source documents: state and fetching.", no_args_is_help=True)
eval_app = typer.Typer(help="Measure airq on a question set.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
app.add_typer(eval_app, name="eval")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear line on stderr, then exit non-zero."""
    err.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


def _utf8(name: str, value: str) -> str:
    """Arguments arrive as str even when the bytes were not UTF-8 (surrogate escapes)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        fail(f"{name}: not valid UTF-8 text; re-type it or fix the terminal's encoding", 2)
    return value


def settings() -> Settings:
    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        e = exc.errors()[0]
        var = "AIRQ_" + "_".join(str(x) for x in e["loc"]).upper()
        fail(f"{var}: {e['msg']} (got {e.get('input')!r}); fix or unset it", 2)


# --------------------------------------------------------------------------- corpus

FRAMEWORK = "dhs-ai-roles-framework"  # the document airq is built around


@corpus_app.command("list")
def corpus_list(
    corpus_dir: Annotated[Path | None, typer.Option(help="Folder of <id>.pdf files.")] = None,
) -> None:
    """Each document of the manifest and whether a usable file is present."""
    from corpus.manifest import ManifestError, survey

    folder = corpus_dir or settings().corpus_dir
    try:
        states = survey(folder)
    except ManifestError as exc:
        fail(str(exc), 2)
    table = Table(title=f"Corpus in {folder}", show_lines=False)
    for col in ("id", "state", "pages", "title"):
        table.add_column(col, overflow="fold")
    for st in states:
        colour = {"present": "green", "missing": "yellow"}.get(st.state.value, "red")
        table.add_row(st.doc.id, f"[{colour}]{st.state.value}[/]", str(st.doc.pages or ""), st.doc.title)
    out.print(table)
    usable = sum(s.usable for s in states)
    out.print(f"{usable} of {len(states)} documents usable.")
    from index.build import has_index

    if not has_index(settings().data_dir):
        out.print("Nothing is indexed yet: run `airq ingest`.", style="yellow")
        return
    indexed = _indexed_docs(settings())
    if indexed is None:
        return
    out.print(f"Indexed and answering: {', '.join(indexed) or 'none'}.", highlight=False)
    if FRAMEWORK not in indexed:
        out.print(
            f"The DHS Roles and Responsibilities Framework ({FRAMEWORK}) is not indexed: questions "
            "about it are answered with a note saying so. To add it: download it from its URL, "
            f"then `airq corpus fetch {FRAMEWORK} --from FOLDER` and `airq ingest`.",
            style="yellow",
            highlight=False,
        )


def _indexed_docs(s: Settings) -> list[str] | None:
    """The documents of the build answering now, read from its manifest without loading it;
    None when that cannot be read (the engine's own load then says what is wrong). Callers
    ask ``has_index`` first."""
    from index.build import current_dir
    from index.catalog import MANIFEST

    try:
        return list(json.loads((current_dir(s.data_dir) / MANIFEST).read_text(encoding="utf-8"))["docs"])
    except (OSError, ValueError, KeyError):
        return None


@corpus_app.command("fetch")
def corpus_fetch(
    ids: Annotated[list[str] | None, typer.Argument(help="Document ids (default: all).")] = None,
    from_dir: Annotated[
        Path | None, typer.Option("--from", help="Copy from this folder instead of downloading.")
    ] = None,
    corpus_dir: Annotated[Path | None, typer.Option(help="Where the files go.")] = None,
) -> None:
    """Download documents from their official URLs (or copy them from a folder), checksummed."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from corpus.fetch import Outcome, fetch
    from corpus.manifest import ManifestError, load_manifest

    folder = corpus_dir or settings().corpus_dir
    try:
        docs = load_manifest()
    except ManifestError as exc:
        fail(str(exc), 2)
    if ids:
        known = {d.id for d in docs}
        unknown = [i for i in ids if i not in known]
        if unknown:
            fail(f"unknown document id(s): {', '.join(unknown)}; see `airq corpus list`", 2)
        docs = [d for d in docs if d.id in ids]
    if from_dir is not None and not from_dir.is_dir():
        fail(f"--from {from_dir}: not a folder", 2)
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=err) as bar:
        tasks: dict[str, Any] = {}

        def progress(doc_id: str, done: int, total: int | None) -> None:
            if doc_id not in tasks:
                tasks[doc_id] = bar.add_task(doc_id, total=total)
            bar.update(tasks[doc_id], completed=done)

        results = fetch(docs, folder, from_dir=from_dir, progress=progress)
    ready = [r for r in results if r.usable]
    missing = [r for r in results if r.outcome is Outcome.MISSING]
    failed = [r for r in results if r.outcome is Outcome.FAILED]
    for r in ready:
        out.print(f"[green]{r.outcome.value:>15}[/] {r.doc.id}")
    if missing:
        out.print(f"\nNot in {from_dir}, so not indexed (each can be added later):", highlight=False)
        for r in missing:
            out.print(f"[yellow]{'missing':>15}[/] {r.doc.id}: {r.doc.title}", highlight=False)
            out.print(f"{'':>15}   from {r.doc.url}", style="dim", highlight=False)
    for r in failed:
        out.print(f"[red]{'failed':>15}[/] {r.doc.id}: {r.message}", highlight=False)
        out.print(f"{'':>15}   get it from {r.doc.url}", highlight=False)
        out.print(f"{'':>15}   then: airq corpus fetch {r.doc.id} --from FOLDER", highlight=False)
    out.print(
        f"\n{len(ready)} of {len(results)} documents ready in {folder}"
        + (f", {len(missing)} missing" if missing else "")
        + (f", {len(failed)} failed" if failed else "")
        + ".",
        style="bold",
        highlight=False,
    )
    if missing or failed:
        out.print(
            "airq indexes the ready ones (`airq ingest`); a question about a missing document is "
            "answered with a note that it is not indexed, never from another document's text. To add "
            "one: save it as <id>.pdf in a folder, then `airq corpus fetch ID --from FOLDER` and "
            "`airq ingest`.",
            highlight=False,
        )
        main_doc = next((r.doc for r in missing + failed if r.doc.id == FRAMEWORK), None)
        if main_doc is not None:
            out.print(
                f"Among them is {main_doc.title} ({FRAMEWORK}), the guidance airq is about: "
                f"download it from {main_doc.url} and run `airq corpus fetch {FRAMEWORK} --from FOLDER`.",
                style="yellow",
                highlight=False,
            )
    if not ready:
        fail("no document is usable; fetch at least one (see above)")


@app.command()
def add(
    file: Annotated[Path, typer.Argument(help="Your PDF.", show_default=False)],
    title: Annotated[str | None, typer.Option(help="How answers name it; default: the file's name.")] = None,
    doc_id: Annotated[
        str | None, typer.Option("--id", help="Its id (a-z, 0-9, - and .); default: from the file name.")
    ] = None,
    alias: Annotated[
        list[str] | None, typer.Option("--alias", help='A short name questions may use ("our AI policy").')
    ] = None,
) -> None:
    """Add your own PDF to the corpus, with its checksum; `airq ingest` then indexes it."""
    import re

    from corpus.manifest import ManifestError, add_local
    from ingest.pdf import BadPdf, read_pdf

    s = settings()
    if not file.is_file():
        fail(f"{file}: no such file; give the path of a PDF", 2)
    try:
        pages = len(read_pdf(file).pages)
    except BadPdf as exc:
        fail(f"{file}: {exc}", 2)
    chosen = doc_id or re.sub(r"[^a-z0-9.]+", "-", file.stem.lower()).strip("-.")
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{2,80}", chosen):
        fail(f"--id {chosen!r}: use 3 to 81 characters of a-z, 0-9, '-' and '.'", 2)
    name = title or file.stem.replace("_", " ").replace("-", " ")
    try:
        doc = add_local(file, chosen, name, s.corpus_dir, pages, list(alias or []))
    except ManifestError as exc:
        fail(str(exc), 2)
    except OSError as exc:
        fail(f"{s.corpus_dir}: cannot write there ({exc.strerror or exc}); check AIRQ_CORPUS_DIR", 2)
    out.print(
        f"added {doc.id}: {doc.title} ({pages} pages, sha256 {doc.sha256}) to {s.corpus_dir}; "
        "run `airq ingest` to index it",
        highlight=False,
    )


# --------------------------------------------------------------------------- ingest


@app.command()
def ingest(
    corpus_dir: Annotated[Path | None, typer.Option(help="Folder of PDFs to ingest.")] = None,
    force: Annotated[
        bool, typer.Option(help="Re-parse and rebuild even if nothing changed, the adapted embedder too.")
    ] = False,
    workers: Annotated[int | None, typer.Option(min=1, max=32, help="Parallel parsers.")] = None,
) -> None:
    """Parse, clean, chunk, embed and index the PDFs; the previous index answers until done."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from index.adapt import AdaptConfig
    from index.build import EXIT_FILES, EXIT_OK, EXIT_USAGE, IngestError, sources_from_corpus
    from index.build import ingest as run_ingest
    from index.embed import MiniLMEmbedder

    s = settings()
    folder = corpus_dir or s.corpus_dir
    if not folder.is_dir():
        fail(f"{folder}: no such folder; run `airq corpus fetch` or pass --corpus-dir", EXIT_USAGE)
    sources, warnings = sources_from_corpus(folder)
    for w in warnings:
        err.print(f"[yellow]warning:[/] {w}", highlight=False)
    if not sources:
        fail(f"{folder}: no PDF to ingest; run `airq corpus fetch` first", EXIT_USAGE)
    with Progress(
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
    ) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        try:
            report = run_ingest(
                sources,
                s.data_dir,
                MiniLMEmbedder.from_settings(s),
                chroma_url=s.chroma_url,
                workers=workers or s.ingest_workers,
                force=force,
                progress=progress,
                adapt=AdaptConfig(low_memory=s.ingest_low_memory) if s.adapt_embedder else None,
            )
        except IngestError as exc:
            fail(str(exc), exc.code)
    for f in report.failures:
        err.print(f"[red]skipped:[/] {f.line()}", highlight=False)
    for w in report.warnings:
        err.print(f"[yellow]warning:[/] {w}", highlight=False)
    for note in report.notes:
        out.print(f"Note: {note}.", highlight=False)
    if not report.changed:
        out.print(f"Index {report.build_id} is up to date ({report.chunks} passages); nothing to do.")
        # The same bad file gives the same exit status on every run.
        raise typer.Exit(EXIT_FILES if report.failures else EXIT_OK)
    t = report.timings_s
    out.print(
        f"Index {report.build_id}: {len(report.parsed)} parsed, {len(report.reused)} unchanged, "
        f"{len(report.removed)} removed; {report.chunks} passages, {report.embedded} new vectors "
        f"in {t.get('total', 0):.1f}s (parse {t.get('parse_clean_chunk', 0):.1f}s, "
        + (f"adapt the embedder {t['adapt']:.1f}s, " if "adapt" in t else "")
        + f"embed {t.get('embed', 0):.1f}s, "
        + (f"query model to ONNX {t['onnx']:.1f}s, " if "onnx" in t else "")
        + f"write {t.get('write', 0):.1f}s)."
    )
    if report.failures:
        raise typer.Exit(EXIT_FILES)


# --------------------------------------------------------------------------- ask / cite


def _engine() -> Any:
    from corpus.roles import RolesError
    from corpus.thesaurus import ThesaurusError
    from index.retrieve import NoIndexError
    from qa.service import load_engine, settle

    try:
        engine = load_engine(settings())
    except (NoIndexError, RolesError, ThesaurusError) as exc:
        fail(str(exc))
    settle()
    return engine


def _place(c: Any) -> str:
    """A citation's document and page as the CLI prints it: the printed page, then the PDF's."""
    label = f"p. {c.page_label}" if c.page_label else f"PDF p. {c.page}"
    return f"{c.title} — {label} (PDF page {c.page})"


def _print_answer(a: Any) -> None:
    style = "yellow" if a.abstained else "bold"
    if a.role_note:
        out.print(f"{a.role_note} (--role ROLE; see `airq roles`)", style="dim", highlight=False)
    if a.searched_also:
        out.print(f"Also searched for: {'; '.join(a.searched_also)}.", style="dim", highlight=False)
    if a.mode_note:
        out.print(a.mode_note, style="yellow", highlight=False)
    out.print(a.answer, style=style, highlight=False)
    dropped = [c for c in a.claims if c.verdict != "supported"]
    if a.mode == "generated" and dropped:
        out.print(f"\n{a.model} also wrote, left out as not supported by what it cites:", style="dim")
        for c in dropped:
            out.print(f"  ✘ {c.sentence} ({'; '.join(c.unmatched)})", style="dim", highlight=False)
    if a.citations:
        out.print()
    for c in a.citations:
        out.print(f"[bold cyan][{c.n}][/] {_place(c)}", highlight=False)
        if c.section:
            out.print(f"    § {c.section}", style="dim", highlight=False)
        out.print(f"    “{c.quote}”", highlight=False)


def _answer_json(answer: Any) -> dict[str, Any]:
    """The fixed JSON schema: ``id`` only when the question had one; every other key always."""
    d: dict[str, Any] = answer.model_dump()
    if d.get("id") is None:
        d.pop("id", None)
    return d


def _check_docs_early(s: Settings, docs: list[str]) -> None:
    """No index, or --doc ids it lacks: said from the build's manifest, before any model loads."""
    from index.build import has_index

    if not has_index(s.data_dir):
        fail(f"{s.data_dir}: no index yet; run `airq ingest` first")
    indexed = _indexed_docs(s)
    if indexed is None:
        return  # the engine's own load says what is wrong
    unknown = [d for d in docs if d not in indexed]
    if unknown:
        fail(f"--doc {', '.join(unknown)}: not in the index (indexed: {', '.join(indexed)})", 2)


def _check_docs(engine: Any, docs: list[str]) -> None:
    unknown = engine.retriever.catalog.unknown(docs)
    if unknown:
        fail(
            f"--doc {', '.join(unknown)}: not in the index "
            f"(indexed: {', '.join(engine.retriever.catalog.doc_ids)})",
            2,
        )


@app.command()
def ask(
    question: Annotated[str | None, typer.Argument(help="Your question, in your own words.")] = None,
    doc: Annotated[list[str] | None, typer.Option("--doc", help="Only these document ids.")] = None,
    k: Annotated[int | None, typer.Option(min=1, max=50, help="Passages to draw on.")] = None,
    section: Annotated[
        str | None, typer.Option(help='Only passages whose section path contains this, e.g. "MEASURE 2".')
    ] = None,
    role: Annotated[
        str | None, typer.Option(help="Answer for this role (see `airq roles`); default: detect it.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON answer schema.")] = False,
    batch: Annotated[
        Path | None, typer.Option(help='JSONL file of {"id", "question"} lines; one JSON answer per line.')
    ] = None,
) -> None:
    """Answer a question with numbered, page-verified quotes."""
    s = settings()
    if (question is None) == (batch is None):
        fail("give a QUESTION or --batch FILE (one of the two)", 2)
    if question is not None:
        _utf8("question", question)
        if not question.strip():
            fail("question: empty; ask something", 2)
    if question is not None and len(question) > s.max_question_chars:
        fail(f"question: {len(question)} characters; the limit is {s.max_question_chars}", 2)
    if role is not None:
        from corpus.roles import ROLE_IDS

        if role not in ROLE_IDS:
            fail(f"--role {role!r}: not a role; choose from {', '.join(ROLE_IDS)}", 2)
    if batch is not None and not batch.is_file():
        fail(f"--batch {batch}: no such file", 2)
    lines: list[str] = []
    if batch is not None:
        try:
            lines = batch.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as exc:
            fail(f"--batch {batch}: not UTF-8 text (byte {exc.start}); save it as UTF-8 JSON Lines", 2)
    docs = list(doc or [])
    _check_docs_early(s, docs)  # before the models load: a typo costs no 25 s
    engine = _engine()
    _check_docs(engine, docs)
    if batch is None:
        assert question is not None
        try:
            answer = engine.ask(question, docs=docs, k=k, section=section, role=role)
        except ValueError as exc:
            fail(str(exc), 2)
        if as_json:
            sys.stdout.write(json.dumps(_answer_json(answer), ensure_ascii=False) + "\n")
        else:
            _print_answer(answer)
        return
    bad = 0
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if (
                not isinstance(row, dict)
                or not isinstance(row.get("question"), str)
                or not row["question"].strip()
            ):
                raise ValueError("field 'question' must be a non-empty string")
            if len(row["question"]) > s.max_question_chars:
                raise ValueError(f"field 'question' is longer than {s.max_question_chars} characters")
            try:
                row["question"].encode("utf-8")
            except UnicodeEncodeError as exc:  # a lone surrogate ("\ud800") is no text
                raise ValueError(f"field 'question' is not valid text (character {exc.start + 1})") from exc
            qid = row.get("id")
            answer = engine.ask(
                row["question"],
                docs=docs,
                k=k,
                qid=None if qid is None else str(qid),
                section=section,
                role=row.get("role") or role,
            )
        except json.JSONDecodeError as exc:
            bad += 1
            err.print(f"{batch}:{n}: not valid JSON ({exc.msg}); line skipped", highlight=False)
            continue
        except ValueError as exc:
            bad += 1
            err.print(f"{batch}:{n}: {exc}; line skipped", highlight=False)
            continue
        sys.stdout.write(json.dumps(_answer_json(answer), ensure_ascii=False) + "\n")
        sys.stdout.flush()
    if bad:
        raise typer.Exit(1)


@app.command()
def cite(
    query: Annotated[str, typer.Argument(help='"GOVERN 1.2", "nist-ai-600-1 p.35" or an exact sentence.')],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int, typer.Option(min=1, max=50)] = 5,
) -> None:
    """Look a citation up: an identifier, a page, or a sentence → passage, page and section."""
    _utf8("query", query)
    if not query.strip():
        fail("query: empty; give an identifier, a page or a sentence", 2)
    _check_docs_early(settings(), [])
    engine = _engine()
    try:
        res = engine.citer.run(query, limit=limit)
    except ValueError as exc:
        fail(str(exc), 2)
    if as_json:
        sys.stdout.write(res.model_dump_json() + "\n")
        return
    if res.note:
        out.print(res.note, style="yellow")
    if not res.matches:
        fail(f"nothing found for {query!r}")
    for m in res.matches:
        out.print(f"[bold cyan]{m.title}[/] — p. {m.page_label} (PDF page {m.page})", highlight=False)
        if m.section:
            out.print(f"§ {m.section}", style="dim", highlight=False)
        out.print(m.text.strip(), highlight=False)
        out.print()


@app.command()
def check(
    file: Annotated[
        str, typer.Argument(help="A text, Markdown or PDF file to check, or - for standard input.")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per sentence, in the text's order.")
    ] = False,
) -> None:
    """Check each sentence of a text against the documents: supported, partly, or not found."""
    from qa.check import InputError, read_text

    name = "standard input" if file == "-" else file
    try:
        data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        fail(f"{name}: cannot read ({exc.strerror or exc}); give a text, Markdown or PDF file, or -", 2)
    try:
        text = read_text(name, data)
    except InputError as exc:
        fail(str(exc), 2)
    if not text.strip():
        fail(f"{name}: no text to check", 2)
    _check_docs_early(settings(), [])
    engine = _engine()
    report = engine.checker.check(text)
    if not report.sentences:
        fail(f"{name}: no sentence of three words or more to check", 2)
    if as_json:
        for r in report.sentences:
            sys.stdout.write(r.model_dump_json() + "\n")
        return
    marks = {
        "supported": "[green]✔ supported[/]",
        "partly": "[yellow]◐ partly[/]",
        "not_found": "[red]✘ not found[/]",
    }
    for n, r in enumerate(report.sentences, start=1):
        out.print(f"{n}. {marks[r.verdict]}  {r.sentence}", highlight=False)
        for c in r.citations:
            out.print(f"     {_place(c)}", style="cyan", highlight=False)
            out.print(f"     “{c.quote}”", highlight=False)
        for u in r.unmatched:
            out.print(f"     not in the source: {u}", style="yellow", highlight=False)
    out.print(f"\n{report.summary}.", style="bold", highlight=False)


@app.command()
def mcp() -> None:
    """Serve airq's tools (ask, cite, obligations, check, list_documents, get_page) and the pages
    as resources over MCP on standard input/output, for assistants and editors that speak MCP."""
    import threading

    from api.mcp import build_mcp

    _check_docs_early(settings(), [])
    engine = _engine()
    build_mcp(lambda: engine, threading.Lock()).run("stdio")


@app.command()
def obligations(
    role: Annotated[str, typer.Option(help="A role id: see `airq roles`.")],
    topic: Annotated[str | None, typer.Option(help="Only what concerns this, best first.")] = None,
    doc: Annotated[list[str] | None, typer.Option("--doc", help="Only these document ids.")] = None,
    limit: Annotated[int | None, typer.Option(min=1, max=10_000, help="At most this many.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print Markdown.")] = False,
) -> None:
    """The recommendations addressed to a role, by document and section, each quote verified."""
    from corpus.roles import ROLE_IDS
    from qa.obligations import as_json as to_json
    from qa.obligations import as_markdown, group

    if role not in ROLE_IDS:
        fail(f"--role {role!r}: not a role; choose from {', '.join(ROLE_IDS)}", 2)
    if topic is not None:
        _utf8("--topic", topic)
    docs = list(doc or [])
    _check_docs_early(settings(), docs)
    engine = _engine()
    _check_docs(engine, docs)
    items = engine.obligations.run(role, topic=topic, docs=docs, limit=limit)
    tax = engine.answerer.taxonomy
    if as_json:
        sys.stdout.write(json.dumps(to_json(tax, role, topic, items), ensure_ascii=False) + "\n")
        return
    if markdown:
        sys.stdout.write(as_markdown(tax, role, topic, items) + "\n")
        return
    if not items:
        out.print(
            f"Nothing addressed to {tax.roles[role].name} found" + (f" about {topic!r}." if topic else ".")
        )
        return
    for title, sections in group(items).items():
        out.print(f"[bold]{title}[/]", highlight=False)
        for section, obs in sections.items():
            out.print(f"  § {section}", style="dim", highlight=False)
            for o in obs:
                out.print(f"  • “{o.quote}” [cyan]p. {o.page_label}[/] (PDF page {o.page})", highlight=False)
    out.print(f"{len(items)} recommendation(s) addressed to {tax.roles[role].name}.")


@app.command()
def roles() -> None:
    """The five roles answers can be written for (DHS Framework actors)."""
    from corpus.roles import RolesError, load_taxonomy

    try:
        tax = load_taxonomy()
    except RolesError as exc:
        fail(str(exc), 2)
    for r in tax.roles.values():
        out.print(f"[bold cyan]{r.id}[/]  {r.name}", highlight=False)
        out.print(f"    {r.description}", style="dim", highlight=False)


# --------------------------------------------------------------------------- serve


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """HTTP API, chat page (/) and OpenAI-compatible endpoint; models load once at start-up."""
    import uvicorn

    from api.app import create_app
    from api.web import default_allowed_hosts

    s = settings()
    if not s.data_dir.is_dir():
        err.print(f"[yellow]warning:[/] {s.data_dir}: no index yet; /readyz stays 503 until an ingest")
    if s.allowed_hosts is None and default_allowed_hosts(host) == ["*"]:
        err.print(
            f"[yellow]warning:[/] listening on {host or 'all interfaces'} with any Host header allowed; "
            "set AIRQ_ALLOWED_HOSTS to the names clients use (guards against DNS rebinding)",
            highlight=False,
        )
    # The port is taken before anything is printed: a port in use is one line, not an address
    # announced and then a traceback.
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        fail(
            f"--port {port}: cannot listen on {host or 'all interfaces'}:{port} ({exc.strerror or exc}); "
            "another process is using it: stop that one or choose another --port",
            2,
        )
    out.print(f"airq on http://{host}:{port}/  (API docs at /docs, MCP at /mcp)", highlight=False)
    server = uvicorn.Server(uvicorn.Config(create_app(s, bind_host=host), log_level="info"))
    server.run(sockets=[sock])


# --------------------------------------------------------------------------- eval


def _dataset(path: Path | None) -> tuple[Path, list[Any]]:
    from eval.dataset import DEV, DatasetError, load

    chosen = path or DEV
    try:
        return chosen, load(chosen)
    except DatasetError as exc:
        fail(str(exc), 2)


@eval_app.command("check")
def eval_claims(
    claims: Annotated[
        list[Path] | None, typer.Option("--claims", help="JSONL claims set(s); default: the dev claims.")
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write each claim's verdict here (JSONL).")
    ] = None,
) -> None:
    """Score the claim checker: precision and recall of `supported`, altered claims caught, confusion."""
    from rich.progress import Progress

    from eval.claims import DEV_CLAIMS, ClaimsError, load_claims, run_claims, score
    from eval.jsonl import write_objects

    paths = claims or [DEV_CLAIMS]
    try:
        sets = [(p, load_claims(p)) for p in paths]
    except ClaimsError as exc:
        fail(str(exc), 2)
    engine = _engine()
    rows_all: list[dict[str, Any]] = []
    for path, items in sets:
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task(path.name, total=len(items))

            def step(i: int, task: Any = task, bar: Progress = bar) -> None:
                bar.update(task, completed=i)

            rows = run_claims(items, engine.checker.run, on_step=step)
        rows_all += rows
        m = score(rows)
        out.print(
            f"[bold]{path}[/] ({m['claims']} claims): precision of supported {m['precision_supported']:.3f}, "
            f"recall {m['recall_supported']:.3f}, altered not supported {m['altered_not_supported']:.3f} "
            f"({', '.join(f'{k} {v:.2f}' for k, v in m['altered_by_kind'].items())}), "
            f"absent not supported {m['absent_not_supported']:.3f}",
            highlight=False,
        )
        table = Table("label", *VERDICT_COLUMNS)
        for label, row in m["confusion"].items():
            table.add_row(label, *(str(row[v]) for v in VERDICT_COLUMNS))
        out.print(table)
    if out_path is not None:
        write_objects(out_path, rows_all)


VERDICT_COLUMNS = ("supported", "partly", "not_found")


@eval_app.command("check-dataset")
def eval_check(
    dataset: Annotated[Path | None, typer.Option(help="JSONL question set.")] = None,
) -> None:
    """Validate a question set: schema, pages exist, every fact on a gold page."""
    from eval.dataset import check

    path, qs = _dataset(dataset)
    engine = _engine()
    problems = check(qs, {k: p.text for k, p in engine.retriever.catalog.pages.items()})
    for p in problems:
        err.print(f"{path}: {p}", highlight=False)
    kinds: dict[str, int] = {}
    for q in qs:
        kinds[q.kind] = kinds.get(q.kind, 0) + 1
    out.print(
        f"{len(qs)} questions ({', '.join(f'{v} {k}' for k, v in sorted(kinds.items()))}); "
        f"{len(problems)} problem(s)."
    )
    if problems:
        raise typer.Exit(1)


@eval_app.command("retrieval")
def eval_retrieval(
    dataset: Annotated[Path | None, typer.Option(help="JSONL question set.")] = None,
    k: Annotated[int, typer.Option(min=1, max=50)] = 5,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Quick look: airq's page hit@1/3/5 and MRR per kind (no report written)."""
    from rich.progress import Progress

    from eval.runner import run, summarize
    from eval.systems import AirqSystem

    _, qs = _dataset(dataset)
    engine = _engine()
    with Progress(console=err) as bar:
        task = bar.add_task("questions", total=len(qs))
        results = run(
            qs, [AirqSystem(engine.answerer, k=k)], on_step=lambda _n, i: bar.update(task, completed=i)
        )
    m = summarize(results)["airq"]
    if as_json:
        sys.stdout.write(json.dumps(m, indent=2) + "\n")
        return
    cols = ("hit@1", "hit@3", "hit@5", "mrr")
    table = Table(title=f"{len(qs)} questions")
    for col in ("kind", "n", *cols):
        table.add_column(col)
    table.add_row(
        "all answerable", str(m["overall"]["answerable"]), *(f"{m['overall'][c]:.3f}" for c in cols)
    )
    for kind, b in m["per_kind"].items():
        if kind != "unanswerable":
            table.add_row(f"  {kind}", str(b["n"]), *(f"{b[c]:.3f}" for c in cols))
    out.print(table)
    o = m["overall"]
    out.print(
        f"citation precision {o['citation_precision']:.3f}; quotes verified {o['quote_verification']:.0%}; "
        f"abstention recall {o['abstention_recall']:.2f}, false abstention {o['false_abstention']:.2f}; "
        f"p50 latency {o['latency_p50_ms']:.0f} ms"
    )


@eval_app.command("calibrate")
def eval_calibrate(
    dataset: Annotated[
        list[Path] | None, typer.Option(help="JSONL question set; give it more than once to fit on several.")
    ] = None,
    max_false_abstention: Annotated[float, typer.Option(min=0.0, max=0.5)] = 0.1,
) -> None:
    """Fit the abstention threshold on question sets and record it in qa/calibration.json.
    Questions about documents that are not indexed abstain by rule and are left out."""
    from eval.calibrate import fit_threshold, write
    from qa.answer import CALIBRATION, AbstainPolicy

    sets = [_dataset(d) for d in dataset] if dataset else [_dataset(None)]
    qs = [q for _, s in sets for q in s if q.kind != "not_indexed"]
    engine = _engine()
    engine.answerer.policy = AbstainPolicy(float("-inf"))
    scores = {q.id: engine.answerer.respond(q.question).evidence for q in qs}
    cal = fit_threshold(
        [scores[q.id] for q in qs if q.answerable],
        [scores[q.id] for q in qs if not q.answerable],
        max_false_abstention,
    )
    write(cal, [p for p, _ in sets], CALIBRATION)
    out.print(
        f"threshold {cal.threshold:.4f}: abstains on {cal.abstain_recall:.0%} of {cal.n_unanswerable} "
        f"unanswerable, {cal.false_abstention:.0%} of {cal.n_answerable} answerable; written to {CALIBRATION}"
    )


@eval_app.command("roles")
def eval_roles(
    dataset: Annotated[
        Path | None,
        typer.Option(help="JSONL with 'question' and 'role' (role id or null); default: dev set."),
    ] = None,
    show_misses: Annotated[bool, typer.Option("--misses", help="List every miss.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Measure who-is-asking detection alone: no index needed, so a fresh set checks in seconds."""
    from corpus.roles import RolesError, load_taxonomy
    from eval.dataset import DEV
    from eval.roles import RoleSetError, load_cases, measure

    path = dataset or DEV
    try:
        cases = load_cases(path)
        taxonomy = load_taxonomy()
    except (RoleSetError, RolesError) as exc:
        fail(str(exc), 2)
    r = measure(cases, taxonomy.detect)
    if as_json:
        figures = {k: v for k, v in r.__dict__.items() if k != "misses"}
        rates = {"accuracy": r.accuracy, "precision": r.precision}
        figures |= {k: (None if v != v else round(v, 4)) for k, v in rates.items()}  # NaN: nothing to count
        figures["dataset"] = str(path)
        sys.stdout.write(json.dumps(figures, indent=2) + "\n")
        return
    table = Table(title=f"{path}: {r.with_role} questions with a role, {r.without_role} without")
    for col in ("asker's role", "right", "of"):
        table.add_column(col)
    for role, (right, n) in r.per_role.items():
        table.add_row(role, str(right), str(n))
    out.print(table)
    out.print(
        f"accuracy {r.accuracy:.2f} ({r.correct} right, {r.wrong} another role, {r.none} none); "
        f"precision {r.precision:.2f}; false detections {r.false_detections} of {r.without_role}",
        highlight=False,
    )
    if show_misses:
        for m in r.misses:
            out.print(
                f"{m.id}: {m.expected or '-'} → {m.got or 'none'} {m.cue!r}  {m.question}", highlight=False
            )


SYSTEMS = ("airq", "airq-dense", "airq-bm25", "llamaindex-starter")


def _system_names(systems: list[str] | None) -> list[str]:
    names = systems or list(SYSTEMS)
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        fail(f"--systems {', '.join(unknown)}: unknown; choose from {', '.join(SYSTEMS)}", 2)
    return names


def _systems(names: list[str], engine: Any, k: int = 5) -> list[Any]:
    from eval.systems import AirqSystem, StarterSystem, System
    from index.build import sources_from_corpus
    from index.embed import MiniLMEmbedder

    built: list[System] = []
    for n in names:
        if n == "llamaindex-starter":
            indexed = set(engine.retriever.catalog.doc_ids)
            srcs = [
                s for s in sources_from_corpus(settings().corpus_dir)[0] if s.doc in indexed and not s.problem
            ]
            if not srcs:
                fail(f"llamaindex-starter needs the PDFs in {settings().corpus_dir} (AIRQ_CORPUS_DIR)", 2)
            # The starter recipe embeds with the packaged model: the corpus-adapted one is
            # part of what airq adds.
            base = MiniLMEmbedder.from_settings(settings())
            built.append(StarterSystem([(s.doc, s.path) for s in srcs], base, k=k))
        else:
            mode = {"airq": "hybrid"}.get(n, n.removeprefix("airq-"))
            built.append(AirqSystem(engine.answerer, mode=mode, k=k))
    return built


@eval_app.command("pool")
def eval_pool(
    out_file: Annotated[Path, typer.Option("--out", help="JSONL to write: one page to judge per line.")],
    dataset: Annotated[Path | None, typer.Option(help="JSONL question set.")] = None,
    systems: Annotated[
        list[str] | None, typer.Option("--systems", help=f"Any of {', '.join(SYSTEMS)} (default: all).")
    ] = None,
    k: Annotated[int, typer.Option(min=1, max=50, help="Passages per system to pool.")] = 5,
) -> None:
    """Pages the systems retrieve or cite that the gold omits, with their text, for judging;
    judged pages go back in with `airq eval add-judgements`."""
    from dataclasses import asdict

    from rich.progress import Progress

    from eval.jsonl import write_objects
    from eval.pooling import pool

    names = _system_names(systems)
    _, qs = _dataset(dataset)
    engine = _engine()
    built = _systems(names, engine, k)
    pages = engine.retriever.catalog.pages
    with Progress(console=err) as bar:
        task = bar.add_task("questions", total=len(qs))
        items = pool(qs, built, k, on_step=lambda i: bar.update(task, completed=i))
    rows = [
        asdict(it) | {"label": pages[(it.doc, it.page)].label, "text": pages[(it.doc, it.page)].text}
        for it in items
    ]
    try:
        write_objects(out_file, rows)
    except OSError as exc:
        fail(f"--out {out_file}: cannot write ({exc.strerror}); choose a writable path", 2)
    out.print(
        f"{len(rows)} pages to judge for {len({r['id'] for r in rows})} questions → {out_file}. "
        'Judge each as {"id", "doc", "page", "verdict": answers|related|no, "quote"}.',
        highlight=False,
    )


@eval_app.command("add-judgements")
def eval_add_judgements(
    judgements: Annotated[Path, typer.Argument(help="JSONL of {id, doc, page, verdict, quote}.")],
    dataset: Annotated[Path | None, typer.Option(help="JSONL question set to extend (default: dev).")] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Where to write the extended set (default: over it).")
    ] = None,
) -> None:
    """Add the pages judged to answer to their questions' gold, once every judgement checks out
    (known question and page, a quote found on the page); otherwise nothing is written."""
    from eval.dataset import dump
    from eval.pooling import JudgementError, add_to_gold, load_judgements, problems

    path, qs = _dataset(dataset)
    try:
        js = load_judgements(judgements)
    except JudgementError as exc:
        fail(str(exc), 2)
    engine = _engine()
    found = problems(qs, js, {k: p.text for k, p in engine.retriever.catalog.pages.items()})
    for p in found:
        err.print(f"{judgements}: {p}", highlight=False)
    if found:
        fail(f"{judgements}: {len(found)} problem(s); nothing written", 1)
    done = add_to_gold(qs, js)
    target = out_file or path
    try:
        dump(done.questions, target)
    except OSError as exc:
        fail(f"--out {target}: cannot write ({exc.strerror}); choose a writable path", 2)
    counts = {v: sum(j.verdict == v for j in js) for v in ("answers", "related", "no")}
    kept = f"; {done.kept_out} on citation questions left out (they keep the place they point at)"
    out.print(
        f"{len(js)} judgements ({', '.join(f'{n} {v}' for v, n in counts.items())}); "
        f"{done.pages} page(s) joined the gold{kept if done.kept_out else ''} → {target}",
        highlight=False,
    )


@eval_app.command("score")
def eval_score(
    answers: Annotated[Path, typer.Argument(help="JSONL printed by `airq ask --batch FILE --json`.")],
    dataset: Annotated[Path | None, typer.Option(help="JSONL question set the batch was made from.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
) -> None:
    """Score a batch run's answers against a question set, without the index: page hit@k and
    MRR from the citations in order, fact recall, quote junk, abstention, not-indexed."""
    from eval.jsonl import read_objects
    from eval.runner import score, summarize

    class AnswersError(ValueError):
        pass

    if not answers.is_file():
        fail(f"{answers}: no such file", 2)
    _, qs = _dataset(dataset)
    try:
        rows = {str(row.get("id")): row for _, row in read_objects(answers, AnswersError)}
    except AnswersError as exc:
        fail(str(exc), 2)
    missing = [q.id for q in qs if q.id not in rows]
    if missing:
        err.print(
            f"{len(missing)} question(s) have no answer in {answers} (e.g. {missing[0]}); scored as empty"
        )
    m = summarize(score(qs, rows))["airq"]
    if as_json:
        sys.stdout.write(json.dumps(m, indent=2) + "\n")
        return
    cols = ("hit@1", "hit@5", "mrr", "fact_recall", "quote_junk", "quote_verification")
    table = Table(title=f"{len(qs)} questions, {answers}")
    for col in ("group", "n", *cols, "abstained", "not indexed"):
        table.add_column(col)

    def row(name: str, b: dict[str, Any]) -> None:
        una = f"{b['abstention_recall']:.2f}" if b["abstention_recall"] == b["abstention_recall"] else ""
        ni = f"{b['not_indexed_named']:.2f}" if b["not_indexed_named"] == b["not_indexed_named"] else ""
        table.add_row(name, str(b["n"]), *(f"{b[c]:.3f}" for c in cols), una, ni)

    row("all", m["overall"])
    for kind, b in m["per_kind"].items():
        row(f"kind {kind}", b)
    for form, b in m["per_form"].items():
        row(f"form {form}", b)
    out.print(table)
    o = m["overall"]
    out.print(f"false abstention {o['false_abstention']:.3f}", highlight=False)


@eval_app.command("run")
def eval_run(
    dataset: Annotated[Path | None, typer.Option(help="JSONL question set.")] = None,
    systems: Annotated[
        list[str] | None, typer.Option("--systems", help=f"Any of {', '.join(SYSTEMS)} (default: all).")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for metrics, results, report, plots.")
    ] = Path("eval/reports/latest"),
    floor: Annotated[
        Path | None, typer.Option(help="Fail (exit 1) when the system named in this JSON floor scores lower.")
    ] = None,
) -> None:
    """Evaluate systems side by side: metrics.json, results.jsonl, report.md and plots."""
    import os
    import time

    from rich.progress import Progress

    from eval.runner import gate, run, summarize, write

    names = _system_names(systems)
    floor_spec = None
    if floor is not None:
        try:
            floor_spec = json.loads(floor.read_text())
            if not isinstance(floor_spec.get("system"), str) or not isinstance(
                floor_spec.get("minimums"), dict
            ):
                raise ValueError("missing keys")
        except (OSError, ValueError, AttributeError) as exc:
            fail(f"--floor {floor}: needs JSON with 'system' and 'minimums' ({exc})", 2)
    path, qs = _dataset(dataset)
    engine = _engine()
    built = _systems(names, engine)
    with Progress(console=err) as bar:
        tasks = {s.name: bar.add_task(s.name, total=len(qs)) for s in built}
        results = run(qs, built, on_step=lambda name, i: bar.update(tasks[name], completed=i))
    metrics = summarize(results)
    meta = {
        "dataset": os.path.relpath(path),
        "questions": len(qs),
        "when": time.strftime("%Y-%m-%d %H:%M"),
        "index_build": engine.retriever.catalog.manifest["build_id"],
        "command": "airq eval run " + " ".join(f"--systems {n}" for n in names),
    }
    write(out_dir, results, metrics, meta)
    table = Table(title=f"{len(qs)} questions → {out_dir}")
    cols = (
        "hit@1",
        "hit@5",
        "mrr",
        "citation_precision",
        "fact_recall",
        "quote_junk",
        "abstention_recall",
        "false_abstention",
    )
    table.add_column("system")
    for c in cols:
        table.add_column(c)
    for name, m in metrics.items():
        table.add_row(name, *(f"{m['overall'][c]:.3f}" for c in cols))
    out.print(table)
    if floor_spec is not None:
        breaches = gate(metrics, floor_spec)
        for b in breaches:
            err.print(f"[red]below floor:[/] {b}", highlight=False)
        if breaches:
            raise typer.Exit(1)
        out.print(f"floor {floor}: met")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
