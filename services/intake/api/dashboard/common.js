// claimcheck newsroom dashboard, shared part (loaded first): the helpers both the feed
// (app.js) and the review view (review.js) use, published as window.claimcheck. Every text
// is set as text and every attribute with setAttribute, so the page's strict
// Content-Security-Policy (scripts from 'self' only) never has anything to block.
"use strict";

window.claimcheck = (function () {
  const KEY_STORE = "claimcheck.apiKey";

  const $ = (id) => document.getElementById(id);
  // Read by the browser test: per live verdict, ms from its XADD (the stream id's time)
  // until it was on the page; ids in arrival order.
  const stats = (window.claimcheckStats = { latencies: [], ids: [], reconnects: 0, csp: [] });
  // the page sets every text and style from script, so the policy should never fire
  document.addEventListener("securitypolicyviolation", (e) => {
    stats.csp.push(e.violatedDirective + " " + (e.blockedURI || ""));
  });

  function apiKey() {
    return sessionStorage.getItem(KEY_STORE) || "";
  }

  function storeApiKey(key) {
    sessionStorage.setItem(KEY_STORE, key);
  }

  function headers(extra) {
    const h = Object.assign({}, extra || {});
    const key = apiKey();
    if (key) h["X-API-Key"] = key;
    return h;
  }

  function setStatus(kind, text) {
    const el = $("status");
    el.className = "status status-" + kind;
    el.textContent = text;
    document.body.dataset.stream = kind;
  }

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  function pretty(label) {
    return String(label).replace(/_/g, " ");
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function needKey(message) {
    const form = $("key-form");
    form.hidden = false;
    $("api-key").focus();
    setStatus("error", message);
  }

  // The deciding evidence: its stance, the sentence itself (a link that lands on it in its
  // document: the text-fragment `link`, else the document's `url`) and where it is from.
  function renderEvidence(item) {
    const href = safeUrl(item.link) || safeUrl(item.url);
    const score = typeof item.score === "number" ? " " + item.score.toFixed(2) : "";
    const sentence = item.text ? "“" + item.text + "”" : item.title || item.source || "evidence";
    const quote = href
      ? el("a", {
          className: "evidence-text",
          href: href,
          target: "_blank",
          rel: "noopener noreferrer",
          title: "open the sentence in its source",
          text: sentence,
        })
      : el("span", { className: "evidence-text", text: sentence });
    const from = [item.title, item.publisher, item.rating ? "rated “" + item.rating + "”" : null]
      .filter((part) => part)
      .join(" · ");
    return el("div", { className: "evidence", "data-stance": item.stance }, [
      el("span", { className: "stance", text: (item.stance || "evidence") + score + ": " }),
      quote,
      item.text && from ? el("span", { className: "evidence-source", text: " — " + from }) : null,
    ]);
  }

  // Why the verdict is what it is, shown under its label: each detail the claim states one
  // way and a source sentence another ("claim: X · source: Y", its kind as a small label,
  // the sentence on hover), the deciding one first; then the verdict's reason.
  function renderWhy(v) {
    const shown = (v.conflicts || []).map((c) => {
      const said = " claim: " + (c.claim || "—") + " · source: " + (c.source || "—");
      const hover = c.sentence ? "“" + c.sentence + "”" : null;
      return el("p", { className: "conflict", "data-slot": c.slot, title: hover }, [
        el("span", { className: "slot", text: c.slot || "detail" }),
        el("span", { className: "conflict-text", text: said }),
      ]);
    });
    if (v.reason) shown.push(el("p", { className: "evidence reason", text: "reason: " + v.reason }));
    return shown;
  }

  // A claim's two texts, as elements to append: the checked text (what the verifier checks:
  // a verdict's `claim`, an answer's `text`) in a `tag` of class "claim" and, where it
  // differs, the article's own sentence ("as written: …"); then who corrected the checked
  // text, or "not stand-alone" when the extractor kept the article's words because it could
  // not resolve a reference (an editor should correct it). With `inArticle` the article's
  // sentence is on show already (marked in its text): the checked text follows it as
  // "checked as: …", where it differs.
  const NOT_STAND_ALONE = "not stand-alone: a reference is left as the article wrote it";

  function claimTexts(c, options) {
    const opts = options || {};
    const checked = c.claim || c.text || c.source_text || "";
    const written = c.source_text && c.source_text !== checked ? c.source_text : null;
    const shown = [];
    if (!opts.inArticle) shown.push(el(opts.tag || "p", { className: "claim", text: checked }));
    if (written && opts.inArticle) shown.push(el("p", { className: "meta checked-as", text: "checked as: " + checked }));
    else if (written) shown.push(el("p", { className: "meta as-written", text: "as written: " + written }));
    const edit = c.checked_text_edit;
    if (edit && edit.editor) {
      shown.push(el("p", { className: "meta claim-edited", text: "checked text corrected by " + edit.editor }));
    } else if (c.stand_alone === false) {
      shown.push(el("p", { className: "meta not-stand-alone", text: NOT_STAND_ALONE }));
    }
    return shown;
  }

  // What a claim's verdict comes to, as the page shows it (`state`, and the `label` shown):
  // an editor's ruling decides it ("reviewed": the editor's label, the model's verdict
  // second); else a verdict that needs review is only the model's guess ("review": waiting
  // for an editor, never styled as a decided label); else the model decided it ("decided");
  // without a verdict it is "pending".
  function outcomeOf(v, ruling) {
    if (ruling) return { state: "reviewed", label: ruling.label, verdict: v || null, ruling };
    if (!v) return { state: "pending", label: "pending", verdict: null, ruling: null };
    return { state: v.needs_review ? "review" : "decided", label: v.label, verdict: v, ruling: null };
  }

  function confidence(v) {
    return v && typeof v.confidence === "number" ? v.confidence.toFixed(2) : "?";
  }

  // The outcome's badge: the label, solid in its colour, when decided (by the model or an
  // editor); "needs review" in words (and an outline, not a label's colour) while the
  // model's verdict waits for an editor.
  function outcomeBadge(o) {
    if (o.state === "review") return el("span", { className: "badge state-review", text: "needs review" });
    return el("span", { className: "badge label-" + o.label, text: pretty(o.label) });
  }

  // The hover text of a claim's mark in the article.
  function outcomeTitle(o) {
    const ruledOn = o.ruling ? pretty(o.ruling.model_label) : "";
    const model = o.verdict ? pretty(o.verdict.label) + " (" + confidence(o.verdict) + ")" : ruledOn;
    if (o.state === "reviewed") return pretty(o.label) + ": editor's ruling" + (model ? "; the model said " + model : "");
    if (o.state === "review") return "needs review: the model says " + model;
    if (o.state === "decided") return model;
    return "pending";
  }

  // An editor's ruling under its label: marked as the editor's, who ruled and their note.
  function rulingLines(ruling) {
    return [
      el("p", { className: "ruling" }, [
        el("span", { className: "ruling-tag", text: "editor's ruling" }),
        el("span", { className: "ruling-by", text: ruling.reviewer ? " by " + ruling.reviewer : "" }),
      ]),
      ruling.note ? el("p", { className: "ruling-note", text: "note: " + ruling.note }) : null,
    ];
  }

  // The model's verdict, second to the outcome: a line of text.
  function modelLine(o) {
    if (o.state !== "review" && o.state !== "reviewed") return null;
    // a ruling can be known before its verdict: it names the label the editor ruled on
    const label = o.verdict ? o.verdict.label : o.ruling.model_label;
    const sure = o.verdict ? " · confidence " + confidence(o.verdict) : "";
    const wait = o.state === "review" ? " · waiting for an editor's ruling" : "";
    return el("p", {
      className: "meta model-verdict",
      "data-label": label,
      text: "model: " + pretty(label) + sure + wait,
    });
  }

  // Append text[from:to] to view with each of the claims (sorted by start) marked as its
  // outcome (outcomeOf(claim): see outcomeOf above) shows it.
  // Why a sentence is not a claim, as the hover text of its greyed span.
  function skipReason(s) {
    if (s.reason === "non_english") return "not a claim: non-English (" + (s.language || "?") + ")";
    let why = "not a claim: " + s.reason.replace(/_/g, " ");
    if (s.detail) why += " (" + s.detail.replace(/_/g, " ") + ")";
    else if (typeof s.score === "number") why += " (score " + s.score.toFixed(2) + ")";
    return why;
  }

  // The article text with its claims marked (coloured by verdict) and, when given, its
  // skipped sentences greyed with the reason on hover.
  function highlight(view, text, claims, from, to, outcomeOfClaim, skipped) {
    const spans = claims.map((c) => ({ start: c.start, end: c.end, claim: c }));
    for (const s of skipped || []) spans.push({ start: s.start, end: s.end, skip: s });
    spans.sort((a, b) => a.start - b.start);
    let at = from;
    for (const span of spans) {
      if (span.start < at || span.end > to || span.start < from) continue; // overlapping or out of range
      view.append(document.createTextNode(text.slice(at, span.start)));
      if (span.skip) {
        view.append(el("span", {
          className: "skipped-sentence",
          "data-reason": span.skip.reason,
          title: skipReason(span.skip),
          text: text.slice(span.start, span.end),
        }));
        at = span.end;
        continue;
      }
      const c = span.claim;
      const mark = el("mark", { "data-claim-id": c.claim_id, text: text.slice(c.start, c.end) });
      paintMark(mark, outcomeOfClaim(c));
      view.append(mark);
      at = c.end;
    }
    view.append(document.createTextNode(text.slice(at, to)));
  }

  // A claim's mark in the article: coloured by its label when decided, outlined (and said
  // so on hover) while it needs review.
  function paintMark(mark, o) {
    mark.className = "claim-mark label-" + o.label + " mark-" + o.state;
    mark.setAttribute("data-label", o.label);
    mark.setAttribute("data-state", o.state);
    mark.setAttribute("title", outcomeTitle(o));
  }

  return {
    $, stats, headers, storeApiKey, setStatus, el, pretty, needKey, renderEvidence, renderWhy, claimTexts, highlight,
    outcomeOf, outcomeBadge, rulingLines, modelLine, paintMark, confidence,
  };
})();
