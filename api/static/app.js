// airq chat page. Plain ES2020 module, no dependencies.
// All server text is inserted with textContent / DOM building, never innerHTML.

const $ = (sel) => document.querySelector(sel);

const els = {
  role: $("#role"),
  docs: $("#docs"),
  loadError: $("#load-error"),
  newChat: $("#new-chat"),
  conversation: $("#conversation"),
  scroller: $("#conversation-wrap"),
  emptyHint: $("#empty-hint"),
  announcer: $("#announcer"),
  form: $("#composer"),
  question: $("#question"),
  send: $("#send"),
  pane: $("#pdf-pane"),
  paneTitle: $("#pdf-title"),
  paneLink: $("#pdf-open-tab"),
  paneClose: $("#pdf-close"),
  modeAsk: $("#mode-ask"),
  modeCheck: $("#mode-check"),
  checkView: $("#check-view"),
  checkForm: $("#check-form"),
  checkText: $("#check-text"),
  checkRun: $("#check-run"),
  checkSummary: $("#check-summary"),
  checkResults: $("#check-results"),
};

const BUSY_TRIES = 5;  // asks of one question while the server says it is busy (503 + Retry-After)
const BUSY_MAX_WAIT_S = 30;  // a longer Retry-After is shown as an error instead of waited out

const state = {
  history: [],          // [{role: "user"|"assistant", content}] sent with every turn
  docsById: new Map(),  // id -> document record from /v1/documents
  busy: false,
  turnCount: 0,         // makes citation element ids unique across turns
  paneOpener: null,     // element that opened the PDF pane (focus returns there)
};

// ---------- small DOM helpers ----------

/** Create an element with attributes/properties and children (strings become text nodes). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("data-") || key.startsWith("aria-") || key === "role") el.setAttribute(key, value);
    else el[key] = value;
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function docShort(id, fallbackTitle) {
  const doc = state.docsById.get(id);
  return (doc && doc.short) || id || fallbackTitle || "document";
}

function docTitle(id, fallbackTitle) {
  const doc = state.docsById.get(id);
  return (doc && doc.title) || fallbackTitle || id;
}

function pageLabel(cit) {
  const label = cit.page_label !== null && cit.page_label !== undefined && String(cit.page_label) !== ""
    ? cit.page_label : cit.page;
  return `p. ${label}`;
}

function pdfUrl(doc, page) {
  return `/v1/documents/${encodeURIComponent(doc)}/pdf#page=${page}`;
}

/** Keep the newest content in view unless the user scrolled up to read. */
function scrollToBottom(force = false) {
  const s = els.scroller;
  const nearBottom = s.scrollHeight - s.scrollTop - s.clientHeight < 120;
  if (force || nearBottom) s.scrollTop = s.scrollHeight;
}

// ---------- errors ----------

/** Turn a FastAPI error body into readable text (422 detail is a list of pydantic errors). */
function detailText(body, fallback) {
  if (!body || body.detail === undefined || body.detail === null) return fallback;
  const d = body.detail;
  if (typeof d === "string") return d;
  if (Array.isArray(d)) {
    return d.map((e) => {
      if (e && typeof e === "object") {
        const where = Array.isArray(e.loc) ? e.loc.filter((x) => x !== "body").join(".") : "";
        return where ? `${where}: ${e.msg}` : String(e.msg ?? JSON.stringify(e));
      }
      return String(e);
    }).join("\n");
  }
  return JSON.stringify(d);
}

async function errorFromResponse(resp) {
  const fallback = `${resp.status} ${resp.statusText || "error"}`.trim();
  let body = null;
  try {
    body = await resp.json();
  } catch {
    /* not JSON */
  }
  const err = new Error(detailText(body, fallback));
  err.status = resp.status;
  return err;
}

async function getJSON(url) {
  const resp = await fetch(url, { headers: { Accept: "application/json" } });
  if (!resp.ok) throw await errorFromResponse(resp);
  return resp.json();
}

function showLoadError(message) {
  els.loadError.hidden = false;
  els.loadError.textContent = els.loadError.textContent
    ? `${els.loadError.textContent} ${message}` : message;
}

// ---------- roles and documents ----------

async function loadRoles() {
  try {
    const roles = await getJSON("/v1/roles");
    for (const r of roles) {
      els.role.append(h("option", { value: r.id, text: r.name || r.id, title: r.description || "" }));
    }
    els.role.dataset.loaded = "true";
  } catch (err) {
    els.role.dataset.loaded = "error";
    showLoadError(`Could not load roles: ${err.message}.`);
  }
}

async function loadDocuments(attempt = 0) {
  try {
    const docs = await getJSON("/v1/documents");
    els.docs.replaceChildren();
    for (const d of docs) state.docsById.set(d.id, d);
    const indexed = docs.filter((d) => d.indexed);
    for (const d of indexed) {
      const label = h("label", { class: "doc-option", title: [d.title, d.publisher, d.date].filter(Boolean).join(" · ") },
        h("input", { type: "checkbox", name: "docs", value: d.id }),
        h("span", { text: d.short || d.id }));
      els.docs.append(label);
    }
    if (!indexed.length) els.docs.append(h("span", { class: "hint", text: "No documents are indexed yet." }));
    const framework = docs.find((d) => d.id === "dhs-ai-roles-framework");
    if (framework && !framework.indexed) {
      els.docs.append(h("p", {
        class: "hint framework-missing", id: "framework-missing",
        text: "The DHS Roles and Responsibilities Framework is not indexed here: answers come from the "
          + "documents above, and questions about it say so. To add it: airq corpus fetch "
          + "dhs-ai-roles-framework --from FOLDER, then airq ingest.",
      }));
    }
    els.docs.dataset.loaded = "true";
  } catch (err) {
    if (err.status === 503 && attempt < 30) {  // the index is still loading: try again shortly
      setTimeout(() => loadDocuments(attempt + 1), 2000);
      return;
    }
    els.docs.replaceChildren(h("span", { class: "hint", text: "Documents unavailable." }));
    els.docs.dataset.loaded = "error";
    showLoadError(`Could not load documents: ${err.message}.`);
  }
}

function selectedDocs() {
  const ids = [...els.docs.querySelectorAll("input[name=docs]:checked")].map((i) => i.value);
  return ids.length ? ids : null;  // none checked = all documents
}

// ---------- conversation rendering ----------

function addUserTurn(text) {
  els.emptyHint.hidden = true;
  const turn = h("article", { class: "turn user", "aria-label": "Your question" },
    h("div", { class: "turn-label", text: "You" }),
    h("p", { class: "user-text", text }));
  els.conversation.append(turn);
  scrollToBottom(true);
}

/** Create the assistant turn shell; returns an object with update methods. */
function addAssistantTurn() {
  const turnId = ++state.turnCount;
  const notes = h("div", { class: "notes" });
  const body = h("div", { class: "answer-text streaming" });
  const article = h("article", {
    class: "turn assistant", "aria-label": "Answer", "aria-busy": "true", "data-state": "streaming", "data-turn": turnId,
  }, h("div", { class: "turn-label", text: "airq" }), notes, body);
  els.conversation.append(article);
  scrollToBottom(true);

  let streamed = "";
  return {
    article,
    setNotes(roleNote, carryNote, searchedAlso) {
      notes.replaceChildren();
      if (roleNote) notes.append(h("p", { class: "role-note", text: roleNote }));
      if (carryNote) notes.append(h("p", { class: "carry-note", text: carryNote }));
      if (searchedAlso && searchedAlso.length) {
        notes.append(h("p", { class: "search-note", text: "Also searched for: " + searchedAlso.join("; ") + "." }));
      }
    },
    waiting(message) {
      body.textContent = message;
      body.classList.add("waiting");
      els.announcer.textContent = message;
    },
    appendDelta(text) {
      body.classList.remove("waiting");
      streamed += text;
      body.textContent = streamed;
      scrollToBottom();
    },
    finish(reply) {
      body.classList.remove("waiting");
      this.setNotes(reply.role_note, reply.note, reply.searched_also);
      renderAnswer(article, body, reply, turnId);
      article.dataset.state = "done";
      article.removeAttribute("aria-busy");
      scrollToBottom();
    },
    fail(message, status) {
      article.classList.add("error");
      article.dataset.state = "error";
      article.removeAttribute("aria-busy");
      body.classList.remove("streaming");
      // Keep any partial text, but mark it clearly as incomplete.
      if (!streamed) body.remove();
      else {
        body.classList.add("partial");
        body.before(h("p", { class: "partial-label", text: "Incomplete answer (stopped by the error below):" }));
      }
      article.append(h("div", { class: "error-box", role: "alert" },
        h("strong", { text: status ? `Could not answer (HTTP ${status})` : "Could not answer" }),
        h("div", { class: "error-detail", text: message })));
      scrollToBottom();
    },
  };
}

/**
 * Build answer text with [n] markers as links to the citations of this turn.
 * Handles "[1]", "[1][2]" and "[1, 2]"; numbers with no matching citation stay plain text.
 */
function answerNodes(text, citationNumbers, turnId) {
  const out = [];
  const re = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
  let last = 0;
  let m;
  while ((m = re.exec(text)) !== null) {
    const nums = m[1].split(",").map((s) => Number(s.trim()));
    if (!nums.every((n) => citationNumbers.has(n))) continue;
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    out.push("[");
    nums.forEach((n, i) => {
      if (i) out.push(", ");
      out.push(h("a", {
        class: "cite-marker", href: `#cite-${turnId}-${n}`, "data-n": n, text: String(n),
        "aria-label": `source ${n}`,
      }));
    });
    out.push("]");
    last = re.lastIndex;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

function renderAnswer(article, body, reply, turnId) {
  const citations = Array.isArray(reply.citations) ? reply.citations : [];
  const numbers = new Set(citations.map((c) => c.n));
  body.classList.remove("streaming");
  body.replaceChildren();

  if (reply.abstained) {
    article.classList.add("abstained");
    article.dataset.abstained = "true";
    const missing = Array.isArray(reply.not_indexed) && reply.not_indexed.length;
    body.append(h("h3", {
      class: "abstain-heading",
      text: missing ? "The document asked about is not indexed" : "Not covered by the indexed documents",
    }));
  }
  // Lines starting "- " are bullets (an indented "  - " is an item of the bullet above);
  // other lines are paragraphs.
  let list = null;
  let sub = null;
  for (const line of String(reply.answer || "").split("\n")) {
    if (!line.trim()) { list = null; sub = null; continue; }
    const nested = /^\s{2,}- /.test(line);
    if (nested && list && list.lastChild) {
      if (!sub) { sub = h("ul", { class: "answer-items" }); list.lastChild.append(sub); }
      sub.append(h("li", {}, answerNodes(line.replace(/^\s*- /, ""), numbers, turnId)));
    } else if (/^- /.test(line)) {
      if (!list) { list = h("ul", { class: "answer-list" }); body.append(list); }
      sub = null;
      list.append(h("li", {}, answerNodes(line.slice(2), numbers, turnId)));
    } else {
      list = null; sub = null;
      body.append(h("p", {}, answerNodes(line, numbers, turnId)));
    }
  }

  if (citations.length) {
    const headingId = `sources-${turnId}`;
    const list = h("ol", { class: "citations", "aria-labelledby": headingId });
    for (const c of citations) list.append(citationItem(c, turnId));
    article.append(h("section", { class: "sources" },
      h("h3", { id: headingId, text: reply.abstained ? "Nearest passages" : "Sources" }), list));
  }
  if (reply.timings_ms && typeof reply.timings_ms.total === "number") {
    article.append(h("p", { class: "timing", text: `${(reply.timings_ms.total / 1000).toFixed(1)} s` }));
  }
}

function citationItem(c, turnId) {
  const short = docShort(c.doc, c.title);
  const full = docTitle(c.doc, c.title);
  const label = pageLabel(c);
  const button = h("button", {
    type: "button", class: "citation",
    "data-n": c.n, "data-doc": c.doc, "data-page": c.page, "data-page-label": c.page_label ?? "",
    "aria-label": `Source ${c.n}: ${short}, ${label}${c.section ? `, ${c.section}` : ""}. Open the PDF at this page.`,
  },
    h("span", { class: "citation-n", text: `[${c.n}]` }),
    h("span", { class: "citation-doc", title: full, text: short }),
    h("span", { class: "citation-page", title: `PDF page ${c.page}`, text: label }),
    c.section ? h("span", { class: "citation-section", text: c.section }) : null);
  const quote = h("blockquote", { class: "citation-quote", text: c.quote || "" });
  const item = h("li", { class: "citation-item", id: `cite-${turnId}-${c.n}` }, button, quote);
  if (c.verified === false) {
    item.classList.add("unverified");
    item.append(h("span", { class: "badge", text: "Quote not verified on the page" }));
  }
  // Clicking anywhere on the card (e.g. the quote) opens the page too; the button is the keyboard target.
  item.addEventListener("click", (ev) => {
    if (ev.target.closest("button")) return;              // the button handles its own clicks
    if (window.getSelection().toString()) return;         // the user is selecting quote text
    openPdf(c.doc, c.page, short, label, button, c.quote);
  });
  button.addEventListener("click", () => openPdf(c.doc, c.page, short, label, button, c.quote));
  return item;
}

// ---------- checking a text ----------

const VERDICTS = {
  supported: { mark: "✔", label: "Supported" },
  partly: { mark: "◐", label: "Partly supported" },
  not_found: { mark: "✘", label: "Not found" },
};

function setMode(mode) {
  const checking = mode === "check";
  els.modeAsk.setAttribute("aria-selected", String(!checking));
  els.modeCheck.setAttribute("aria-selected", String(checking));
  els.checkView.hidden = !checking;
  els.scroller.hidden = checking;
  els.form.hidden = checking;
  document.body.dataset.mode = checking ? "check" : "ask";
  (checking ? els.checkText : els.question).focus();
}

async function runCheck(ev) {
  ev.preventDefault();
  const text = els.checkText.value;
  if (!text.trim() || state.busy) return;
  state.busy = true;
  els.checkRun.disabled = true;
  els.checkResults.replaceChildren();
  els.checkSummary.classList.remove("error");
  els.checkSummary.textContent = "Checking…";
  els.checkView.setAttribute("aria-busy", "true");
  try {
    const resp = await fetch("/v1/check", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ text }),
    });
    if (!resp.ok) throw await errorFromResponse(resp);
    renderCheck(await resp.json());
  } catch (err) {
    els.checkSummary.classList.add("error");
    els.checkSummary.textContent = err.status ? `Could not check (HTTP ${err.status}): ${err.message}` : `Could not check: ${err.message}`;
  } finally {
    state.busy = false;
    els.checkRun.disabled = false;
    els.checkView.removeAttribute("aria-busy");
  }
}

function renderCheck(report) {
  const run = ++state.turnCount;
  els.checkSummary.textContent = `${report.summary}.`;
  els.checkResults.replaceChildren();
  report.sentences.forEach((s, i) => {
    const v = VERDICTS[s.verdict] || { mark: "?", label: s.verdict };
    const item = h("li", { class: `check-item verdict-${s.verdict}`, "data-verdict": s.verdict },
      h("p", { class: "check-sentence" },
        h("span", { class: "verdict-badge", text: `${v.mark} ${v.label}` }), " ", s.sentence));
    if (Array.isArray(s.unmatched) && s.unmatched.length) {
      item.append(h("ul", { class: "unmatched", "aria-label": "Not in the source" },
        s.unmatched.map((u) => h("li", { text: u }))));
    }
    if (Array.isArray(s.citations) && s.citations.length) {
      item.append(h("ol", { class: "citations" }, s.citations.map((c) => citationItem(c, `c${run}-${i}`))));
    }
    els.checkResults.append(item);
  });
  els.announcer.textContent = report.summary;
}

// ---------- PDF pane ----------
// The cited page is drawn with pdf.js (served by the app, /static/pdfjs) and the quote marked
// on its text layer; if pdf.js cannot run, the page's text (what quotes are verified against)
// is shown with the quote marked instead.

const PDFJS = "/static/pdfjs/";
let pdfjsLib = null;             // the pdf.js module, imported on the first citation opened
const pdfDocuments = new Map();  // doc id -> loading task promise (a PDF is fetched once)
let paneRequest = 0;             // the newest open request; older renders stop drawing

async function pdfjs() {
  if (!pdfjsLib) {
    pdfjsLib = await import(`${PDFJS}pdf.min.mjs`);
    pdfjsLib.GlobalWorkerOptions.workerSrc = `${PDFJS}pdf.worker.min.mjs`;
  }
  return pdfjsLib;
}

/** Letters and digits only, lower-cased: how a quote is found again in a page's text, whatever
 * the PDF did to spaces, hyphens at line ends, ligatures and quote marks. */
function bare(text) {
  return String(text).normalize("NFKC").toLowerCase().replace(/[^\p{L}\p{N}]+/gu, "");
}

/** Mark the text-layer spans that hold the quote; returns how many were marked. */
function markQuote(spans, quote) {
  const pieces = spans.map((s) => bare(s.textContent || ""));
  const joined = pieces.join("");
  const want = bare(quote);
  if (!want) return 0;
  // The whole quote, else its longest run found from the start (a quote ending on the next page).
  let start = joined.indexOf(want);
  let length = want.length;
  while (start < 0 && length > 24) {
    length = Math.floor(length * 0.8);
    start = joined.indexOf(want.slice(0, length));
  }
  if (start < 0) return 0;
  let pos = 0;
  let marked = 0;
  spans.forEach((span, i) => {
    const from = pos;
    pos += pieces[i].length;
    if (pieces[i].length && pos > start && from < start + length) {
      span.classList.add("quote-mark");
      marked += 1;
    }
  });
  return marked;
}

async function drawPage(view, doc, page, quote, request) {
  const lib = await pdfjs();
  if (!pdfDocuments.has(doc)) {
    const task = lib.getDocument({
      url: `/v1/documents/${encodeURIComponent(doc)}/pdf`,
      isEvalSupported: false,
      standardFontDataUrl: `${PDFJS}standard_fonts/`,
    });
    pdfDocuments.set(doc, task.promise);
  }
  let pdf;
  try {
    pdf = await pdfDocuments.get(doc);
  } catch (err) {
    pdfDocuments.delete(doc);  // try again next time
    throw err;
  }
  const p = await pdf.getPage(page);
  if (request !== paneRequest) return;
  const natural = p.getViewport({ scale: 1 });
  const scale = Math.max(0.4, (view.clientWidth - 24) / natural.width);
  const viewport = p.getViewport({ scale });
  const ratio = window.devicePixelRatio || 1;
  const canvas = h("canvas", { width: Math.floor(viewport.width * ratio), height: Math.floor(viewport.height * ratio) });
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  const layer = h("div", { class: "textLayer" });
  const sheet = h("div", { class: "pdf-page", "aria-label": `PDF page ${page}` }, canvas, layer);
  sheet.style.setProperty("--scale-factor", String(scale));
  sheet.style.width = canvas.style.width;
  sheet.style.height = canvas.style.height;
  view.replaceChildren(sheet);
  await p.render({
    canvas,
    canvasContext: canvas.getContext("2d"),
    viewport,
    transform: ratio === 1 ? null : [ratio, 0, 0, ratio, 0, 0],
  }).promise;
  const text = new lib.TextLayer({ textContentSource: await p.getTextContent(), container: layer, viewport });
  await text.render();
  if (request !== paneRequest) return;
  const marked = markQuote(text.textDivs, quote);
  view.dataset.marked = String(marked);
  view.dataset.state = "rendered";
  const first = layer.querySelector(".quote-mark");
  if (first) view.scrollTop = Math.max(0, first.offsetTop - view.clientHeight / 3);
}

/** The fallback: the page's cleaned text, the quote marked where it is found verbatim. */
async function showPageText(view, doc, page, quote, request) {
  const body = await getJSON(`/v1/documents/${encodeURIComponent(doc)}/pages/${page}`);
  if (request !== paneRequest) return;
  const text = String(body.text || "");
  const flat = text.replace(/\s+/g, " ");
  const at = quote ? flat.indexOf(String(quote).replace(/\s+/g, " ")) : -1;
  const pre = h("div", { class: "page-text" });
  if (at >= 0) {
    const len = String(quote).replace(/\s+/g, " ").length;
    pre.append(flat.slice(0, at), h("mark", { class: "quote-mark", text: flat.slice(at, at + len) }), flat.slice(at + len));
  } else {
    pre.append(flat);
  }
  view.replaceChildren(h("p", { class: "hint", text: "The PDF could not be drawn here; this is the page's text." }), pre);
  view.dataset.marked = String(at >= 0 ? 1 : 0);
  view.dataset.state = "text";
  pre.querySelector("mark")?.scrollIntoView({ block: "center" });
}

function openPdf(doc, page, short, label, opener, quote) {
  const url = pdfUrl(doc, page);
  const request = ++paneRequest;
  const view = document.getElementById("pdf-view");
  view.replaceChildren(h("p", { class: "hint", text: "Loading the page…" }));
  view.dataset.state = "loading";
  view.dataset.doc = doc;
  view.dataset.page = String(page);
  view.dataset.src = url;
  view.dataset.marked = "0";
  view.setAttribute("aria-label", `${short}, ${label}`);
  els.paneTitle.textContent = `${short} — ${label}`;
  els.paneTitle.title = `${docTitle(doc, short)} (PDF page ${page})`;
  els.paneLink.href = url;
  els.pane.hidden = false;
  els.pane.dataset.doc = doc;
  els.pane.dataset.page = String(page);
  document.body.classList.add("pane-open");
  state.paneOpener = opener || null;
  document.querySelectorAll(".citation-item.active").forEach((x) => x.classList.remove("active"));
  if (opener) opener.closest(".citation-item")?.classList.add("active");
  drawPage(view, doc, page, quote, request).catch(() =>
    showPageText(view, doc, page, quote, request).catch((err) => {
      if (request !== paneRequest) return;
      view.replaceChildren(h("p", { class: "load-error", text: `Could not show the page: ${err.message}` }));
      view.dataset.state = "error";
    }));
}

function closePdf() {
  if (els.pane.hidden) return;
  const focusWasInPane = els.pane.contains(document.activeElement);
  paneRequest += 1;  // a render still under way stops drawing
  els.pane.hidden = true;
  document.body.classList.remove("pane-open");
  document.getElementById("pdf-view").replaceChildren();
  document.querySelectorAll(".citation-item.active").forEach((x) => x.classList.remove("active"));
  if (focusWasInPane && state.paneOpener && document.contains(state.paneOpener)) state.paneOpener.focus();
}

// ---------- sending and streaming ----------

/** Parse a text/event-stream body incrementally; calls onEvent(name, data) per event. */
async function readSSE(resp, onEvent) {
  const reader = resp.body.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  const flush = (block) => {
    let name = "message";
    const data = [];
    for (const line of block.split(/\r\n|\r|\n/)) {
      if (!line || line.startsWith(":")) continue;  // comment / keep-alive
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      let value = colon === -1 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    if (data.length) onEvent(name, JSON.parse(data.join("\n")));
  };
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    // Events are separated by a blank line.
    let m;
    while ((m = /\r\n\r\n|\n\n|\r\r/.exec(buf)) !== null) {
      const block = buf.slice(0, m.index);
      buf = buf.slice(m.index + m[0].length);
      flush(block);
    }
  }
  buf += decoder.decode();
  if (buf.trim()) flush(buf);
}

function setBusy(busy) {
  state.busy = busy;
  els.send.disabled = busy;
  els.send.textContent = busy ? "Answering…" : "Send";
  els.form.setAttribute("aria-busy", String(busy));
}

async function ask(question) {
  const messages = [...state.history, { role: "user", content: question }];
  const payload = {
    messages,
    docs: selectedDocs(),
    role: els.role.value || null,
    k: null,
    stream: true,
  };
  addUserTurn(question);
  const turn = addAssistantTurn();
  setBusy(true);
  let reply = null;
  try {
    let resp;
    for (let attempt = 1; ; attempt++) {
      resp = await fetch("/v1/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(payload),
      });
      // Busy (many people asking at once): wait as long as the server says, then ask again.
      const wait = Number(resp.headers.get("Retry-After"));
      if (resp.status !== 503 || !(wait > 0) || wait > BUSY_MAX_WAIT_S || attempt >= BUSY_TRIES) break;
      turn.waiting(`The server is busy; asking again in ${wait} s (try ${attempt + 1} of ${BUSY_TRIES}).`);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
    }
    if (!resp.ok) throw await errorFromResponse(resp);
    const type = resp.headers.get("content-type") || "";
    if (!type.includes("text/event-stream")) {
      reply = await resp.json();  // server chose not to stream: same reply object
    } else {
      let failure = null;
      await readSSE(resp, (name, data) => {
        if (name === "meta") turn.setNotes(data.role_note, data.note);
        else if (name === "delta") turn.appendDelta(data.text || "");
        else if (name === "answer") reply = data;
        else if (name === "error") failure = detailText(data, "The server reported an error.");
      });
      if (failure) throw new Error(failure);
      if (!reply) throw new Error("The answer stream ended before the answer arrived.");
    }
    turn.finish(reply);
    // Only completed exchanges go into the history sent with the next question.
    // The server reads a bounded history (100 messages): keep the latest exchanges.
    state.history = [...messages, { role: "assistant", content: reply.answer || "" }].slice(-40);
    const n = (reply.citations || []).length;
    els.announcer.textContent = reply.abstained
      ? `Not covered by the indexed documents. ${reply.answer || ""}`
      : `Answer: ${reply.answer || ""} ${n} source${n === 1 ? "" : "s"} listed below.`;
  } catch (err) {
    const msg = err instanceof TypeError ? `Could not reach the server (${err.message}).` : err.message;
    turn.fail(msg, err.status);
    els.announcer.textContent = `Error: ${msg}`;
  } finally {
    setBusy(false);
  }
}

function submit() {
  const question = els.question.value.trim();
  if (!question || state.busy) return;
  els.question.value = "";
  ask(question);
  els.question.focus();
}

// ---------- wiring ----------

els.form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  submit();
});

els.question.addEventListener("keydown", (ev) => {
  // Enter sends; Shift+Enter falls through to insert a newline; don't send mid-IME composition.
  if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    submit();
  }
});

// [n] markers: move focus to the matching citation (and highlight it) instead of a bare jump.
els.conversation.addEventListener("click", (ev) => {
  const marker = ev.target.closest("a.cite-marker");
  if (!marker) return;
  ev.preventDefault();
  const item = document.getElementById(marker.getAttribute("href").slice(1));
  if (!item) return;
  const button = item.querySelector("button.citation");
  item.scrollIntoView({ block: "nearest", behavior: "smooth" });
  item.classList.remove("flash");
  void item.offsetWidth;  // restart the highlight animation
  item.classList.add("flash");
  button.focus({ preventScroll: true });
});

els.paneClose.addEventListener("click", closePdf);

document.addEventListener("keydown", (ev) => {
  if (ev.key === "Escape" && !els.pane.hidden) {
    ev.preventDefault();
    closePdf();
  }
});

els.newChat.addEventListener("click", () => {
  if (state.busy) return;
  state.history = [];
  els.conversation.querySelectorAll(".turn").forEach((t) => t.remove());
  els.emptyHint.hidden = false;
  closePdf();
  els.announcer.textContent = "Started a new conversation.";
  els.question.focus();
});

els.modeAsk.addEventListener("click", () => setMode("ask"));
els.modeCheck.addEventListener("click", () => setMode("check"));
els.checkForm.addEventListener("submit", runCheck);

loadDocuments();
loadRoles();
