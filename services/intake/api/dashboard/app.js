// claimcheck newsroom dashboard: a live feed of verdicts from GET /v1/stream.
// The stream is read with fetch() and a streaming body reader (EventSource cannot send
// the X-API-Key header); the dashboard reconnects by itself and resumes from the last
// event id it saw, so nothing is missed or shown twice.
"use strict";

(function () {
  const LABELS = ["supported", "refuted", "conflicting", "not_enough_info"];
  const KEY_STORE = "claimcheck.apiKey";
  const BACKLOG = 200;
  const MAX_FEED = 500;

  const $ = (id) => document.getElementById(id);
  const state = {
    lastEventId: null, // the newest stream id handled: resume after it, never show older
    verdicts: new Map(), // claim_id -> verdict data
    openArticle: null, // article record shown in the article view
    retryMs: 1000,
    silenceMs: 45000, // no byte for this long: the connection is dead (see the keep-alive)
    loadedAt: Date.now(),
  };
  // Read by the browser test: per live verdict, ms from its XADD (the stream id's time)
  // until it was on the page; ids in arrival order.
  const stats = (window.claimcheckStats = { latencies: [], ids: [], reconnects: 0 });

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
  }

  // ---- the feed -----------------------------------------------------------------------

  function onVerdict(id, v) {
    state.verdicts.set(v.claim_id, v);
    const item = renderVerdict(id, v);
    addToFeed(item);
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
      el("span", { className: "badge label-" + v.label, text: String(v.label).replace(/_/g, " ") }),
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
    let at = 0;
    for (const c of claims) {
      if (c.start < at || c.end > text.length) continue; // overlapping or out of range
      view.append(document.createTextNode(text.slice(at, c.start)));
      const known = state.verdicts.get(c.claim_id);
      const label = known ? known.label : "pending";
      const mark = el("mark", {
        className: "claim-mark label-" + label,
        "data-claim-id": c.claim_id,
        "data-label": label,
        title: label.replace(/_/g, " ") + (known ? " (" + known.confidence.toFixed(2) + ")" : ""),
        text: text.slice(c.start, c.end),
      });
      view.append(mark);
      at = c.end;
    }
    view.append(document.createTextNode(text.slice(at)));
    if (!text) view.textContent = "(the intake did not return the article text)";
  }

  function colourClaim(claimId, label) {
    const mark = document.querySelector('#article-text-view mark[data-claim-id="' + CSS.escape(claimId) + '"]');
    if (!mark) return;
    mark.className = "claim-mark label-" + label;
    mark.dataset.label = label;
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
  }

  $("submit-form").addEventListener("submit", submitArticle);
  $("key-form").addEventListener("submit", useKey);
  $("filter-label").addEventListener("change", refilter);
  $("filter-article").addEventListener("input", refilter);
  $("article-close").addEventListener("click", () => {
    $("article-view").hidden = true;
    state.openArticle = null;
  });
  connect();
})();
