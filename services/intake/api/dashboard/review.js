// claimcheck newsroom dashboard, the review view (loaded after common.js, before app.js):
// the queue of verdicts the model was unsure of, where editors rule on them (or correct the
// text that was checked, which checks the claim again). It publishes
// window.claimcheck.review for the feed (app.js), which feeds it the stream's verdicts
// and rulings and starts it.
"use strict";

window.claimcheck.review = (function () {
  const { $, headers, el, pretty, needKey, renderEvidence, renderWhy, claimTexts, highlight, outcomeOf } =
    window.claimcheck;
  const REVIEWER_STORE = "claimcheck.reviewer";
  const REVIEW_LABELS = ["supported", "refuted", "not_enough_info", "conflicting"];
  const QUEUE_PAGE = 20;
  const CONTEXT_CHARS = 280;
  const MAX_NOTE = 2000; // the API's limit on a review's note
  const MAX_CHECKED_TEXT = 5000; // the API's limit on an editor's checked text
  const QUEUE_FIELDS = [
    "claim_id", "article_id", "source_text", "start", "end", "checkworthiness", "speaker", "stand_alone",
    "checked_text_edit",
  ];

  const state = {
    queue: new Map(), // claim_id -> {item, node, context, beside, note, buttons, result, ...}: the queue
    cursor: null, // next_cursor of the last queue page loaded
    reviewed: new Set(), // claims reviewed (here or by a colleague): never queued again
    articles: new Map(), // article_id -> promise of GET /v1/articles/{id} (the review context)
  };

  // The queue is GET /v1/review-queue (most check-worthy first, paged by next_cursor), kept
  // current by the stream: a verdict that needs review joins it, a verdict.reviewed (made
  // here or by a colleague) takes its claim out.

  function showView(name) {
    $("feed-view").hidden = name !== "feed";
    $("review-view").hidden = name !== "review";
    $("tab-feed").setAttribute("aria-pressed", String(name === "feed"));
    $("tab-review").setAttribute("aria-pressed", String(name === "review"));
    document.body.dataset.view = name;
  }

  async function loadQueue() {
    const params = new URLSearchParams({ limit: String(QUEUE_PAGE) });
    if (state.cursor) params.set("cursor", state.cursor);
    $("review-more").disabled = true;
    try {
      const response = await fetch("/v1/review-queue?" + params, {
        headers: headers(),
        cache: "no-store",
      });
      if (response.status === 401) return needKey("API key needed");
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      for (const item of page.items || []) queueAdd(item);
      state.cursor = page.next_cursor || null;
    } catch (err) {
      $("review-result").textContent = "could not load the review queue";
    } finally {
      $("review-more").disabled = false;
      updateQueueCount();
    }
  }

  function resetQueue() {
    for (const entry of state.queue.values()) entry.node.remove();
    state.queue.clear();
    state.cursor = null;
    state.articles.clear();
  }

  // A verdict from the stream in the shape of a queue item.
  function queueItemOf(v) {
    const item = { text: v.claim, verdict: v };
    for (const name of QUEUE_FIELDS) item[name] = v[name];
    return item;
  }

  // The server's order: most check-worthy first (unknown last), then by claim id.
  function queueOrder(a, b) {
    const score = (item) => (typeof item.checkworthiness === "number" ? -item.checkworthiness : 1);
    return score(a) - score(b) || (a.claim_id < b.claim_id ? -1 : a.claim_id > b.claim_id ? 1 : 0);
  }

  function queueAdd(item) {
    if (!item.verdict || state.queue.has(item.claim_id) || state.reviewed.has(item.claim_id)) return;
    const list = $("review-queue");
    const later = (node) => queueOrder(state.queue.get(node.dataset.claimId).item, item) > 0;
    const after = [...list.children].find(later);
    const entry = renderQueueItem(item);
    state.queue.set(item.claim_id, entry);
    list.insertBefore(entry.node, after || null);
    updateQueueCount();
    if (item.article_id && item.end > item.start) showContext(entry);
  }

  // A verdict from the stream: it joins the queue when it needs review; a re-check of a
  // queued claim (a higher revision: an editor corrected its checked text, or a document
  // it cited changed) takes the old verdict's place, or the claim out when it needs none.
  function verdictArrived(v) {
    const entry = state.queue.get(v.claim_id);
    if (entry && (v.revision || 0) > (entry.item.verdict.revision || 0)) {
      entry.node.remove();
      state.queue.delete(v.claim_id);
      updateQueueCount();
    }
    if (v.needs_review) queueAdd(queueItemOf(v));
  }

  function queueRemove(claimId) {
    const entry = state.queue.get(claimId);
    if (!entry) return;
    entry.node.remove();
    state.queue.delete(claimId);
    updateQueueCount();
    if (!state.queue.size && state.cursor) loadQueue();
  }

  function updateQueueCount() {
    $("review-count").textContent = state.queue.size + (state.cursor ? "+" : "");
    $("review-empty").hidden = Boolean(state.queue.size || state.cursor);
    $("review-more").hidden = !state.cursor;
  }

  function renderQueueItem(item) {
    const v = item.verdict;
    const confidence = typeof v.confidence === "number" ? v.confidence.toFixed(2) : "?";
    const where = item.article_id ? "article " + item.article_id : "lone claim";
    const head = el("div", { className: "row" }, [
      el("span", { className: "badge label-" + v.label, text: "model: " + pretty(v.label) }),
      el("span", { className: "confidence", text: "confidence " + confidence }),
      el("span", { className: "meta", text: where }),
      item.speaker ? el("span", { className: "meta", text: "said by " + item.speaker }) : null,
    ]);
    const [context, ...beside] = claimTexts(item);
    const entry = {
      item,
      context,
      beside,
      inArticle: false,
      note: el("textarea", {
        className: "review-note",
        rows: "2",
        maxlength: String(MAX_NOTE),
        "aria-label": "note",
        placeholder: "Note (optional): why, and your sources",
      }),
      result: el("p", { className: "hint review-message", "aria-live": "polite" }),
      checkedText: el("textarea", {
        className: "checked-text-input",
        rows: "2",
        maxlength: String(MAX_CHECKED_TEXT),
        "aria-label": "checked text",
      }),
      correct: el("button", { type: "button", className: "correct-button", text: "Check this text instead" }),
    };
    entry.checkedText.value = item.text || item.source_text || "";
    entry.correct.addEventListener("click", () => submitCorrection(item.claim_id));
    entry.buttons = REVIEW_LABELS.map((label) => {
      const button = el("button", {
        type: "button",
        className: "review-button label-" + label,
        "data-label": label,
        text: pretty(label),
      });
      button.addEventListener("click", () => submitReview(item.claim_id, label));
      return button;
    });
    const evidence = (v.evidence || []).map(renderEvidence);
    const attrs = { "data-claim-id": item.claim_id, "data-article-id": item.article_id, "data-label": v.label };
    entry.node = el("li", Object.assign({ className: "queue-item" }, attrs), [
      head,
      ...renderWhy(v),
      entry.context,
      ...beside,
      ...(evidence.length ? evidence : [el("p", { className: "evidence", text: "no evidence found" })]),
      el("div", { className: "row review-actions", role: "group", "aria-label": "your ruling" }, entry.buttons),
      entry.note,
      el("details", { className: "correction" }, [
        el("summary", { text: "Correct the checked text" }),
        entry.checkedText,
        entry.correct,
      ]),
      entry.result,
    ]);
    return entry;
  }

  function articleText(articleId) {
    if (!state.articles.has(articleId)) {
      const loading = fetch("/v1/articles/" + encodeURIComponent(articleId), { headers: headers() })
        .then((response) => (response.ok ? response.json() : null))
        .catch(() => null)
        .then((article) => (article || state.articles.delete(articleId)) && article);
      state.articles.set(articleId, loading);
    }
    return state.articles.get(articleId);
  }

  // The claim marked in its article (the text around it). It stays plain claim text when
  // the article cannot be read or the offsets do not fit it.
  async function showContext(entry) {
    const item = entry.item;
    const article = await articleText(item.article_id);
    const text = (article && article.text) || "";
    const span = text.slice(item.start, item.end);
    if (item.end > text.length || (item.source_text && span !== item.source_text)) return;
    const [from, to, cutBefore, cutAfter] = around(text, item.start, item.end);
    const view = el("p", { className: "article-text review-context" }, [cutBefore ? "… " : null]);
    highlight(view, text, [item], from, to, () => outcomeOf(item.verdict, null));
    if (cutAfter) view.append(" …");
    entry.context.replaceWith(view);
    entry.context = view;
    entry.inArticle = true;
    showTexts(entry);
  }

  // The claim's texts under its context again (after an editor corrected its checked text).
  function showTexts(entry) {
    let shown = claimTexts(entry.item, { inArticle: entry.inArticle });
    if (!entry.inArticle) {
      const [checked, ...beside] = shown;
      entry.context.replaceWith(checked);
      entry.context = checked;
      shown = beside;
    }
    for (const node of entry.beside) node.remove();
    entry.context.after(...shown);
    entry.beside = shown;
  }

  // What to show of text around [start, end): its paragraph, at most CONTEXT_CHARS either
  // side, cut at a space; and whether it was cut short before and after.
  function around(text, start, end) {
    let from = Math.max(0, start - CONTEXT_CHARS);
    const paragraph = text.lastIndexOf("\n\n", start);
    const cutBefore = !(paragraph >= 0 && paragraph + 2 >= from) && from > 0;
    if (!cutBefore) from = paragraph >= 0 ? Math.min(start, Math.max(from, paragraph + 2)) : 0;
    else from = Math.min(start, text.indexOf(" ", from) + 1 || start);
    let to = Math.min(text.length, end + CONTEXT_CHARS);
    const next = text.indexOf("\n\n", end);
    const cutAfter = !(next >= 0 && next <= to) && to < text.length;
    if (!cutAfter) to = next >= 0 ? next : text.length;
    else to = Math.max(end, text.lastIndexOf(" ", to));
    return [from, to, cutBefore, cutAfter];
  }

  // A fresh Idempotency-Key per click (randomUUID needs a secure context: else by hand).
  function requestKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return [0, 8, 12, 16, 20].map((at, i, cuts) => hex.slice(at, cuts[i + 1])).join("-");
  }

  async function submitReview(claimId, label) {
    const entry = state.queue.get(claimId);
    if (!entry) return;
    const reviewer = $("reviewer-name").value.trim();
    if (!reviewer) {
      entry.result.textContent = "Enter your name above first.";
      return $("reviewer-name").focus();
    }
    sessionStorage.setItem(REVIEWER_STORE, reviewer);
    const body = { label, reviewer };
    const note = entry.note.value.trim();
    if (note) body.note = note;
    for (const button of entry.buttons) button.disabled = true;
    entry.result.textContent = "saving…";
    try {
      const response = await fetch("/v1/claims/" + encodeURIComponent(claimId) + "/review", {
        method: "POST",
        headers: headers({ "Content-Type": "application/json", "Idempotency-Key": requestKey() }),
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.status === 401) return needKey("API key needed");
      if (!response.ok) {
        entry.result.textContent = "refused: " + (answer.message || response.status);
        return;
      }
      const review = answer.review || {};
      const model = review.model_label && review.model_label !== review.label ? review.model_label : null;
      const result = $("review-result");
      result.textContent =
        "Saved: “" + (entry.item.text || claimId) + "” reviewed as " + pretty(review.label || label) +
        (model ? " (the model said " + pretty(model) + ")" : "");
      result.dataset.claimId = claimId;
      result.dataset.label = review.label || label;
      state.reviewed.add(claimId);
      queueRemove(claimId);
    } catch (err) {
      entry.result.textContent = "could not reach the intake; try again";
    } finally {
      for (const button of entry.buttons) button.disabled = false;
    }
  }

  // An editor's checked text (PATCH /v1/claims/{id}): the claim is checked again with it and
  // its verdict.updated replaces the queued verdict when it arrives (verdictArrived).
  async function submitCorrection(claimId) {
    const entry = state.queue.get(claimId);
    if (!entry) return;
    const editor = $("reviewer-name").value.trim();
    if (!editor) {
      entry.result.textContent = "Enter your name above first.";
      return $("reviewer-name").focus();
    }
    const text = entry.checkedText.value.trim();
    if (!text) {
      entry.result.textContent = "The checked text is empty.";
      return entry.checkedText.focus();
    }
    sessionStorage.setItem(REVIEWER_STORE, editor);
    entry.correct.disabled = true;
    entry.result.textContent = "saving…";
    try {
      const response = await fetch("/v1/claims/" + encodeURIComponent(claimId), {
        method: "PATCH",
        headers: headers({ "Content-Type": "application/json", "Idempotency-Key": requestKey() }),
        body: JSON.stringify({ checked_text: text, editor }),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.status === 401) return needKey("API key needed");
      if (!response.ok) {
        entry.result.textContent = "refused: " + (answer.message || response.status);
        return;
      }
      const unchanged = answer.text === entry.item.text;
      entry.item.text = answer.text;
      entry.item.checked_text_edit = answer.checked_text_edit;
      showTexts(entry);
      const edit = answer.checked_text_edit;
      entry.result.textContent =
        unchanged || !edit
          ? "Nothing to change: the claim is checked with this text already."
          : "Saved: the claim is checked again with your text (revision " + edit.revision + ").";
    } catch (err) {
      entry.result.textContent = "could not reach the intake; try again";
    } finally {
      entry.correct.disabled = false;
    }
  }

  // A ruling on the stream (made here or by a colleague): its claim is out of the queue for
  // good. Returns the queue item it had, if it was queued.
  function ruled(claimId) {
    const item = (state.queue.get(claimId) || {}).item;
    state.reviewed.add(claimId);
    queueRemove(claimId);
    return item;
  }

  $("tab-feed").addEventListener("click", () => showView("feed"));
  $("tab-review").addEventListener("click", () => showView("review"));
  $("review-more").addEventListener("click", () => loadQueue());
  $("reviewer-name").value = sessionStorage.getItem(REVIEWER_STORE) || "";
  $("reviewer-name").addEventListener("change", () => {
    sessionStorage.setItem(REVIEWER_STORE, $("reviewer-name").value.trim());
  });

  return { loadQueue, resetQueue, queueAdd, queueItemOf, verdictArrived, ruled };
})();
