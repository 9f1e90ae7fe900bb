// claimcheck newsroom dashboard: a live feed of verdicts from GET /v1/stream, and the
// review view, where editors rule on the verdicts the model was unsure of. The stream is
// read with fetch() and a streaming body reader (EventSource cannot send the X-API-Key
// header); the dashboard reconnects by itself and resumes from the last event id it saw,
// so nothing is missed or shown twice.
"use strict";

(function () {
  const LABELS = ["supported", "refuted", "conflicting", "not_enough_info"];
  const KEY_STORE = "claimcheck.apiKey";
  const BACKLOG = 200;
  const MAX_FEED = 500;
  const REVIEWER_STORE = "claimcheck.reviewer";
  const REVIEW_LABELS = ["supported", "refuted", "not_enough_info", "conflicting"];
  const QUEUE_PAGE = 20;
  const CONTEXT_CHARS = 280;
  const MAX_NOTE = 2000; // the API's limit on a review's note
  const QUEUE_FIELDS = ["claim_id", "article_id", "source_text", "start", "end", "checkworthiness", "speaker"];

  const $ = (id) => document.getElementById(id);
  const state = {
    lastEventId: null, // the newest stream id handled: resume after it, never show older
    verdicts: new Map(), // claim_id -> verdict data
    openArticle: null, // article record shown in the article view
    queue: new Map(), // claim_id -> {item, node, context, note, buttons, result}: the review queue
    queueCursor: null, // next_cursor of the last queue page loaded
    reviewed: new Set(), // claims reviewed (here or by a colleague): never queued again
    articles: new Map(), // article_id -> promise of GET /v1/articles/{id} (the review context)
    retryMs: 1000,
    silenceMs: 45000, // no byte for this long: the connection is dead (see the keep-alive)
    loadedAt: Date.now(),
  };
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

  // ---- the stream -------------------------------------------------------------------

  function needKey(message) {
    const form = $("key-form");
    form.hidden = false;
    $("api-key").focus();
    setStatus("error", message);
  }

  async function connect() {
    const params = new URLSearchParams();
    const extra = {};
    if (state.lastEventId) extra["Last-Event-ID"] = state.lastEventId;
    else params.set("backlog", String(BACKLOG));
    const abort = new AbortController();
    let response;
    try {
      response = await fetch("/v1/stream?" + params, {
        headers: headers(extra),
        cache: "no-store",
        signal: abort.signal,
      });
    } catch (err) {
      return scheduleReconnect();
    }
    if (response.status === 401) return needKey("API key needed");
    if (!response.ok || !response.body) return scheduleReconnect();
    state.retryMs = 1000;
    setStatus("live", "live");
    try {
      await readEvents(response.body.getReader(), abort);
    } catch (err) {
      // a network drop, the server going away, or the silence watchdog: reconnect below
    }
    scheduleReconnect();
  }

  function scheduleReconnect() {
    stats.reconnects += 1;
    const wait = state.retryMs;
    state.retryMs = Math.min(state.retryMs * 2, 10000);
    setStatus("reconnecting", "reconnecting in " + Math.round(wait / 1000) + " s…");
    setTimeout(connect, wait);
  }

  async function readEvents(reader, abort) {
    const decoder = new TextDecoder();
    let buffer = "";
    let watchdog = setTimeout(() => abort.abort(), state.silenceMs);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => abort.abort(), state.silenceMs);
        buffer = consume(buffer + decoder.decode(value, { stream: true }));
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  // Handle every complete event (blocks end with a blank line); return the unfinished rest.
  function consume(buffer) {
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      handleBlock(buffer.slice(0, cut));
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
    }
    return buffer;
  }

  // Stream ids are "<ms>-<seq>" and grow with every entry.
  function newer(a, b) {
    const [aMs, aSeq] = a.split("-").map(Number);
    const [bMs, bSeq] = b.split("-").map(Number);
    return aMs > bMs || (aMs === bMs && (aSeq || 0) > (bSeq || 0));
  }

  function handleBlock(block) {
    let id = null;
    let type = "message";
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      const every = /^: keep-alive every ([\d.]+) s$/.exec(line);
      if (every) state.silenceMs = Math.max(3 * 1000 * Number(every[1]), 5000);
      if (!line || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") type = value;
      else if (field === "data") data.push(value);
    }
    if (id === null || !data.length) return;
    if (state.lastEventId && !newer(id, state.lastEventId)) return; // already shown
    state.lastEventId = id;
    let payload;
    try {
      payload = JSON.parse(data.join("\n"));
    } catch (err) {
      return;
    }
    if (type === "verdict") onVerdict(id, payload);
    else if (type === "article.completed") onCompleted(id, payload);
    else if (type === "verdict.reviewed") onReviewed(id, payload);
  }

  // ---- the feed -----------------------------------------------------------------------

  function onVerdict(id, v) {
    state.verdicts.set(v.claim_id, v);
    const item = renderVerdict(id, v);
    addToFeed(item);
    if (v.needs_review) queueAdd(queueItemOf(v));
    if (state.openArticle && state.openArticle.article_id === v.article_id) {
      colourClaim(v.claim_id, v.label);
    }
    const addedAt = Number(id.split("-")[0]);
    if (addedAt >= state.loadedAt) {
      stats.latencies.push(Date.now() - addedAt);
      stats.ids.push(id);
    }
  }

  function onCompleted(id, c) {
    const counts = LABELS.map((l) => l.replace(/_/g, " ") + " " + ((c.counts || {})[l] || 0));
    const item = el("li", { className: "completed", "data-id": id, "data-article-id": c.article_id }, [
      el("span", { text: "Article " }),
      articleLink(c.article_id),
      el("span", { text: " completed: " + c.claim_count + " claims (" + counts.join(", ") + ")" }),
    ]);
    addToFeed(item);
  }

  function articleLink(articleId) {
    const button = el("button", { type: "button", className: "link", text: articleId });
    button.addEventListener("click", () => openArticle(articleId));
    return button;
  }

  function renderVerdict(id, v) {
    const confidence = typeof v.confidence === "number" ? v.confidence.toFixed(2) : "?";
    const head = el("div", { className: "row" }, [
      el("span", { className: "badge label-" + v.label, text: pretty(v.label) }),
      el("span", { className: "confidence", text: "confidence " + confidence }),
      v.needs_review ? el("span", { className: "review", text: "needs review" }) : null,
    ]);
    const children = [head, el("p", { className: "claim", text: v.claim || v.source_text || "" })];
    const top = (v.evidence || [])[0];
    if (top) children.push(renderEvidence(top));
    if (v.reason) children.push(el("p", { className: "evidence", text: "reason: " + v.reason }));
    // a lone claim (POST /v1/claims) has no article to open
    if (v.article_id) {
      children.push(el("div", { className: "meta" }, [el("span", { text: "article " }), articleLink(v.article_id)]));
    }
    return el(
      "li",
      {
        className: "verdict",
        "data-id": id,
        "data-claim-id": v.claim_id,
        "data-article-id": v.article_id,
        "data-label": v.label,
      },
      children,
    );
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

  function addToFeed(item) {
    const feed = $("feed");
    applyFilter(item);
    feed.prepend(item);
    while (feed.children.length > MAX_FEED) feed.lastElementChild.remove();
    updateCounts();
  }

  function applyFilter(item) {
    const label = $("filter-label").value;
    const article = $("filter-article").value.trim();
    const okLabel = !label || item.dataset.label === label;
    const okArticle = !article || item.dataset.articleId === article;
    item.hidden = !(okLabel && okArticle);
  }

  function updateCounts() {
    const article = $("filter-article").value.trim();
    const counts = Object.fromEntries(LABELS.map((l) => [l, 0]));
    for (const v of state.verdicts.values()) {
      if (!article || v.article_id === article) counts[v.label] = (counts[v.label] || 0) + 1;
    }
    for (const span of document.querySelectorAll("#counts .count")) {
      span.querySelector("b").textContent = String(counts[span.dataset.label] || 0);
    }
  }

  function refilter() {
    for (const item of $("feed").children) applyFilter(item);
    updateCounts();
  }

  // ---- the article view ---------------------------------------------------------------

  async function openArticle(articleId) {
    const response = await fetch("/v1/articles/" + encodeURIComponent(articleId), {
      headers: headers(),
    });
    if (response.status === 401) return needKey("API key needed");
    if (!response.ok) return;
    const article = await response.json();
    state.openArticle = article;
    for (const c of article.claims) if (c.verdict) state.verdicts.set(c.claim_id, c.verdict);
    renderArticle(article);
  }

  function renderArticle(article) {
    $("article-view").hidden = false;
    $("article-view").dataset.articleId = article.article_id;
    $("article-heading").textContent = article.title || "Article";
    $("article-meta").textContent = article.article_id + " · " + article.claims.length + " claims";
    const view = $("article-text-view");
    view.replaceChildren();
    const text = article.text || "";
    const claims = article.claims.filter((c) => c.end > c.start).sort((a, b) => a.start - b.start);
    highlight(view, text, claims, 0, text.length, (c) => state.verdicts.get(c.claim_id));
    if (!text) view.textContent = "(the intake did not return the article text)";
  }

  // Append text[from:to] to view with each of the claims (sorted by start) marked in the
  // colour of its verdict (verdictOf(claim), or pending).
  function highlight(view, text, claims, from, to, verdictOf) {
    let at = from;
    for (const c of claims) {
      if (c.start < at || c.end > to) continue; // overlapping or out of range
      view.append(document.createTextNode(text.slice(at, c.start)));
      const known = verdictOf(c);
      const label = known ? known.label : "pending";
      const mark = el("mark", {
        className: "claim-mark label-" + label,
        "data-claim-id": c.claim_id,
        "data-label": label,
        title: pretty(label) + (known ? " (" + known.confidence.toFixed(2) + ")" : ""),
        text: text.slice(c.start, c.end),
      });
      view.append(mark);
      at = c.end;
    }
    view.append(document.createTextNode(text.slice(at, to)));
  }

  function colourClaim(claimId, label) {
    const mark = document.querySelector('#article-text-view mark[data-claim-id="' + CSS.escape(claimId) + '"]');
    if (!mark) return;
    mark.className = "claim-mark label-" + label;
    mark.dataset.label = label;
  }

  // ---- the review view ----------------------------------------------------------------
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
    if (state.queueCursor) params.set("cursor", state.queueCursor);
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
      state.queueCursor = page.next_cursor || null;
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
    state.queueCursor = null;
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

  function queueRemove(claimId) {
    const entry = state.queue.get(claimId);
    if (!entry) return;
    entry.node.remove();
    state.queue.delete(claimId);
    updateQueueCount();
    if (!state.queue.size && state.queueCursor) loadQueue();
  }

  function updateQueueCount() {
    $("review-count").textContent = state.queue.size + (state.queueCursor ? "+" : "");
    $("review-empty").hidden = Boolean(state.queue.size || state.queueCursor);
    $("review-more").hidden = !state.queueCursor;
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
    const entry = {
      item,
      context: el("p", { className: "claim", text: item.text || item.source_text || "" }),
      note: el("textarea", {
        className: "review-note",
        rows: "2",
        maxlength: String(MAX_NOTE),
        "aria-label": "note",
        placeholder: "Note (optional): why, and your sources",
      }),
      result: el("p", { className: "hint review-message", "aria-live": "polite" }),
    };
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
      entry.context,
      ...(evidence.length ? evidence : [el("p", { className: "evidence", text: "no evidence found" })]),
      v.reason ? el("p", { className: "evidence", text: "reason: " + v.reason }) : null,
      el("div", { className: "row review-actions", role: "group", "aria-label": "your ruling" }, entry.buttons),
      entry.note,
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
    highlight(view, text, [item], from, to, () => item.verdict);
    if (cutAfter) view.append(" …");
    const shown = [view];
    if (item.text && item.text !== item.source_text) {
      shown.push(el("p", { className: "meta", text: "checked as: " + item.text }));
    }
    entry.context.replaceWith(...shown);
    entry.context = view;
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

  // An editor's ruling on the stream: out of the queue, and a line in the feed.
  function onReviewed(id, r) {
    const known = state.verdicts.get(r.claim_id) || (state.queue.get(r.claim_id) || {}).item;
    state.reviewed.add(r.claim_id);
    queueRemove(r.claim_id);
    const claim = known ? "“" + (known.claim || known.text || known.source_text) + "”" : r.claim_id;
    const ruling = (r.supersedes ? " re-reviewed as " : " reviewed as ") + pretty(r.label) + " by " + r.reviewer;
    const attrs = { "data-id": id, "data-claim-id": r.claim_id, "data-article-id": r.article_id, "data-label": r.label };
    const item = el("li", Object.assign({ className: "reviewed" }, attrs), [
      el("div", { className: "row" }, [
        el("span", { className: "badge label-" + r.label, text: pretty(r.label) }),
        el("span", { className: "confidence", text: "model: " + pretty(r.model_label) }),
      ]),
      el("p", { className: "claim review-line", text: claim + ruling }),
      r.note ? el("p", { className: "evidence", text: "note: " + r.note }) : null,
    ]);
    addToFeed(item);
    const selector = '#feed li.verdict[data-claim-id="' + CSS.escape(r.claim_id) + '"] .review';
    const card = document.querySelector(selector);
    if (card) card.textContent = "reviewed: " + pretty(r.label);
  }

  // ---- forms --------------------------------------------------------------------------

  async function submitArticle(event) {
    event.preventDefault();
    const button = $("submit-button");
    const result = $("submit-result");
    const body = { text: $("article-text").value };
    const title = $("article-title").value.trim();
    if (title) body.title = title;
    button.disabled = true;
    result.textContent = "submitting…";
    try {
      const response = await fetch("/v1/articles", {
        method: "POST",
        headers: headers({ "Content-Type": "application/json" }),
        body: JSON.stringify(body),
      });
      const answer = await response.json().catch(() => ({}));
      if (response.status === 401) return needKey("API key needed");
      if (response.status !== 202) {
        result.textContent = "refused: " + (answer.message || response.status);
        return;
      }
      result.textContent = answer.claims.length + " claims queued (" + answer.article_id + ")";
      result.dataset.articleId = answer.article_id;
      await openArticle(answer.article_id);
    } catch (err) {
      result.textContent = "could not reach the intake";
    } finally {
      button.disabled = false;
    }
  }

  function useKey(event) {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORE, $("api-key").value.trim());
    $("api-key").value = "";
    $("key-form").hidden = true;
    setStatus("connecting", "connecting…");
    connect();
    resetQueue();
    loadQueue();
  }

  $("submit-form").addEventListener("submit", submitArticle);
  $("key-form").addEventListener("submit", useKey);
  $("filter-label").addEventListener("change", refilter);
  $("filter-article").addEventListener("input", refilter);
  $("article-close").addEventListener("click", () => {
    $("article-view").hidden = true;
    state.openArticle = null;
  });
  $("tab-feed").addEventListener("click", () => showView("feed"));
  $("tab-review").addEventListener("click", () => showView("review"));
  $("review-more").addEventListener("click", () => loadQueue());
  $("reviewer-name").value = sessionStorage.getItem(REVIEWER_STORE) || "";
  $("reviewer-name").addEventListener("change", () => {
    sessionStorage.setItem(REVIEWER_STORE, $("reviewer-name").value.trim());
  });
  connect();
  loadQueue();
})();
