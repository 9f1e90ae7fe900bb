// claimcheck newsroom dashboard: a live feed of verdicts from GET /v1/stream (loaded last,
// after common.js and review.js, and starts the page). The stream is read with fetch() and
// a streaming body reader (EventSource cannot send the X-API-Key header); the dashboard
// reconnects by itself and resumes from the last event id it saw, so nothing is missed or
// shown twice. The review view (review.js) is fed the verdicts that need review and the
// editors' rulings.
"use strict";

(function () {
  const {
    $, stats, headers, storeApiKey, setStatus, el, pretty, needKey, renderEvidence, renderWhy, claimTexts, highlight,
    outcomeOf, outcomeBadge, rulingLines, modelLine, paintMark, confidence,
  } = window.claimcheck;
  const review = window.claimcheck.review;
  const LABELS = ["supported", "refuted", "conflicting", "not_enough_info"];
  const BACKLOG = 200;
  const MAX_FEED = 500;

  const state = {
    lastEventId: null, // the newest stream id handled: resume after it, never show older
    verdicts: new Map(), // claim_id -> verdict data
    rulings: new Map(), // claim_id -> the editor's ruling (a verdict.reviewed, or a claim's review)
    cards: new WeakMap(), // a feed card (li.verdict) -> the verdict it shows
    openArticle: null, // article record shown in the article view
    opener: null, // what had the focus when the article view opened (it gets it back on close)
    retryMs: 1000,
    silenceMs: 45000, // no byte for this long: the connection is dead (see the keep-alive)
    loadedAt: Date.now(),
  };

  // ---- the stream -------------------------------------------------------------------

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
    if (type === "verdict" || type === "verdict.updated") onVerdict(id, payload);
    else if (type === "article.completed") onCompleted(id, payload);
    else if (type === "verdict.reviewed") onReviewed(id, payload);
  }

  // ---- the feed -----------------------------------------------------------------------

  function onVerdict(id, v) {
    state.verdicts.set(v.claim_id, v);
    const item = renderVerdict(id, v);
    addToFeed(item);
    review.verdictArrived(v);
    if (state.openArticle && state.openArticle.article_id === v.article_id) updateArticleClaim(v.claim_id);
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

  // A verdict's card. One that needs review (and no editor ruled on yet) says so in its
  // badge, the model's label beside it as a guess; one an editor ruled on shows the
  // editor's label, marked as their ruling (who, their note), the model's label beside it.
  function renderVerdict(id, v) {
    const ruling = state.rulings.get(v.claim_id) || null;
    const o = outcomeOf(v, ruling);
    const head = el("div", { className: "row" }, [
      outcomeBadge(o),
      o.state === "decided" ? null : el("span", { className: "model-label", text: "model: " + pretty(v.label) }),
      el("span", { className: "confidence", text: "confidence " + confidence(v) }),
    ]);
    const ruled = ruling ? rulingLines(ruling) : [];
    const children = [head, ...ruled, ...renderWhy(v), ...claimTexts(v)];
    const top = (v.evidence || [])[0];
    if (top) children.push(renderEvidence(top));
    // a lone claim (POST /v1/claims) has no article to open
    if (v.article_id) {
      children.push(el("div", { className: "meta" }, [el("span", { text: "article " }), articleLink(v.article_id)]));
    }
    const card = el(
      "li",
      {
        className: "verdict state-" + o.state,
        "data-id": id,
        "data-claim-id": v.claim_id,
        "data-article-id": v.article_id,
        "data-label": v.label,
        "data-state": o.state,
        "data-ruling": ruling ? ruling.label : null,
      },
      children,
    );
    state.cards.set(card, v);
    return card;
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
    const opener = document.activeElement;
    const response = await fetch("/v1/articles/" + encodeURIComponent(articleId), {
      headers: headers(),
    });
    if (response.status === 401) return needKey("API key needed");
    if (!response.ok) return;
    const article = await response.json();
    state.openArticle = article;
    for (const c of article.claims) {
      if (c.verdict) state.verdicts.set(c.claim_id, c.verdict);
      if (c.review) learnRuling(c.claim_id, c.review);
    }
    renderArticle(article);
    state.opener = opener && opener !== document.body ? opener : null;
    bringIntoView($("article-view"));
  }

  // The article view opens where the reader is: scrolled to (below the sticky header) when
  // it is out of sight, e.g. opened from deep in the feed; the focus moves to it, so a
  // keyboard or screen-reader user lands on what they opened.
  function bringIntoView(view) {
    view.focus({ preventScroll: true });
    if (!view.getBoundingClientRect) return; // a DOM without layout (the Node test's stand-in)
    const header = document.querySelector("header.top");
    const covered = header ? header.getBoundingClientRect().bottom : 0;
    const top = view.getBoundingClientRect().top;
    if (top < covered || top > window.innerHeight - 80) {
      window.scrollTo({ top: Math.max(0, window.scrollY + top - covered - 8), behavior: "auto" });
    }
  }

  // An editor's ruling on a claim, from the stream or a claim's record; the later one wins.
  function learnRuling(claimId, ruling) {
    const known = state.rulings.get(claimId);
    if (!known || Date.parse(known.reviewed_at) <= Date.parse(ruling.reviewed_at)) state.rulings.set(claimId, ruling);
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
    highlight(view, text, claims, 0, text.length, (c) => outcomeOfClaim(c.claim_id), article.skipped_sentences || []);
    if (!text) view.textContent = "(the intake did not return the article text)";
    const ordered = article.claims.slice().sort((a, b) => (a.start || 0) - (b.start || 0));
    $("article-claims").replaceChildren(...ordered.map(renderArticleClaim));
  }

  function outcomeOfClaim(claimId) {
    return outcomeOf(state.verdicts.get(claimId), state.rulings.get(claimId));
  }

  // One claim of the open article under the text: its outcome and checked text, the
  // article's own sentence beside it where it differs, then why (conflicts, reason). The
  // outcome is the editor's ruling where there is one (with who ruled and their note, the
  // model's verdict second); else the model's verdict, said to need review where it does.
  function renderArticleClaim(c) {
    const v = state.verdicts.get(c.claim_id);
    const o = outcomeOfClaim(c.claim_id);
    // an editor's correction reaches the open article with its verdict (verdict.updated)
    const edited = v && v.checked_text_edit ? { text: v.claim, checked_text_edit: v.checked_text_edit } : {};
    const [checked, ...beside] = claimTexts(Object.assign({}, c, edited), { tag: "span" });
    const attrs = { "data-claim-id": c.claim_id, "data-label": o.label, "data-state": o.state };
    return el("li", Object.assign({ className: "article-claim state-" + o.state }, attrs), [
      el("div", { className: "row" }, [outcomeBadge(o), checked]),
      ...(o.ruling ? rulingLines(o.ruling) : []),
      modelLine(o),
      ...beside,
      ...(v ? renderWhy(v) : []),
    ]);
  }

  // A claim of the open article again (a new verdict or ruling): its line and its mark.
  function updateArticleClaim(claimId) {
    const claim = state.openArticle.claims.find((c) => c.claim_id === claimId);
    const shown = [...$("article-claims").children].find((li) => li.dataset.claimId === claimId);
    if (claim && shown) shown.replaceWith(renderArticleClaim(claim));
    const mark = document.querySelector('#article-text-view mark[data-claim-id="' + CSS.escape(claimId) + '"]');
    if (mark) paintMark(mark, outcomeOfClaim(claimId));
  }

  // An editor's ruling on the stream: out of the review queue, a line in the feed, and the
  // outcome of its claim (its feed cards, the open article).
  function onReviewed(id, r) {
    const queued = review.ruled(r.claim_id);
    learnRuling(r.claim_id, r);
    const known = state.verdicts.get(r.claim_id) || queued;
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
    for (const card of document.querySelectorAll('#feed li.verdict[data-claim-id="' + CSS.escape(r.claim_id) + '"]')) {
      const fresh = renderVerdict(card.dataset.id, state.cards.get(card));
      applyFilter(fresh);
      card.replaceWith(fresh);
    }
    if (state.openArticle && state.openArticle.claims.some((c) => c.claim_id === r.claim_id)) {
      updateArticleClaim(r.claim_id);
    }
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
    storeApiKey($("api-key").value.trim());
    $("api-key").value = "";
    $("key-form").hidden = true;
    setStatus("connecting", "connecting…");
    connect();
    review.resetQueue();
    review.loadQueue();
  }

  $("submit-form").addEventListener("submit", submitArticle);
  $("key-form").addEventListener("submit", useKey);
  $("filter-label").addEventListener("change", refilter);
  $("filter-article").addEventListener("input", refilter);
  $("article-close").addEventListener("click", () => {
    $("article-view").hidden = true;
    state.openArticle = null;
    // back where the reader was (the link that opened it), if it is still on the page
    if (state.opener && state.opener.isConnected) state.opener.focus();
    state.opener = null;
  });
  connect();
  review.loadQueue();
})();
