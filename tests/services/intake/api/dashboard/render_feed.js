// Runs the dashboard's scripts in Node against a small stand-in for the browser's DOM and
// prints what they render as JSON: `node render_feed.js INDEX_HTML ENTRIES_JSON [PAGE_JSON]`.
// The scripts are the ones INDEX_HTML loads (its <script src="/dashboard/NAME"> tags, read
// from the same folder), run one after the other in the page's order. ENTRIES_JSON is a
// list of [stream id, event type, data]; the stream answers them once; timers never fire,
// so the page neither reconnects nor times out.
//
// PAGE_JSON (optional) is {"routes": {path prefix: [[status, body], ...]}, "actions": [...]}:
// each request to a path answers the next of its replies (the last one repeats; unknown
// paths 404), and once the page settled the actions run in order, the page settling after
// each: {"set": element id, "value": v}, {"click": element id},
// {"review": claim id, "label": l, "note"?: n} (types the note, clicks the label's button),
// {"correct": claim id, "text": t} (types the checked text, clicks "Check this text instead"),
// or {"open": article id} (clicks the article's button in the feed: the article view).
// The output has the feed, the review queue, the article view's claims, the requests made
// and the texts of a few elements by id.
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");

const [indexPath, entriesJson, pageJson] = process.argv.slice(2);

class FakeElement {
  constructor(tag, id) {
    this.tagName = tag.toUpperCase();
    this.id = id || "";
    this.attributes = {};
    this.dataset = {};
    this.children = [];
    this.parent = null;
    this.className = "";
    this.textContent = "";
    this.hidden = false;
    this.value = "";
    this.disabled = false;
    this.listeners = {};
  }
  insertBefore(node, ref) {
    this._adopt(node, ref ? this.children.indexOf(ref) : this.children.length);
  }
  replaceWith(...nodes) {
    const parent = this.parent;
    const at = parent.children.indexOf(this);
    this.remove();
    nodes.forEach((node, i) => parent._adopt(node, at + i));
  }
  after(...nodes) {
    const parent = this.parent;
    const at = parent.children.indexOf(this) + 1;
    nodes.forEach((node, i) => parent._adopt(node, at + i));
  }
  replaceChildren(...nodes) {
    this.children = [];
    this.append(...nodes);
  }
  setAttribute(name, value) {
    const text = String(value);
    this.attributes[name] = text;
    if (name.startsWith("data-")) {
      const key = name.slice(5).replace(/-([a-z])/g, (_m, c) => c.toUpperCase());
      this.dataset[key] = text;
    }
  }
  getAttribute(name) {
    return name in this.attributes ? this.attributes[name] : null;
  }
  append(...nodes) {
    for (const node of nodes) this._adopt(node, this.children.length);
  }
  prepend(...nodes) {
    nodes.reverse().forEach((node) => this._adopt(node, 0));
  }
  _adopt(node, at) {
    if (typeof node === "string") {
      const text = new FakeElement("#text");
      text.textContent = node;
      node = text;
    }
    if (node.parent) node.remove();
    node.parent = this;
    this.children.splice(at, 0, node);
  }
  remove() {
    if (this.parent) this.parent.children.splice(this.parent.children.indexOf(this), 1);
    this.parent = null;
  }
  get lastElementChild() {
    return this.children[this.children.length - 1] || null;
  }
  addEventListener(type, listener) {
    (this.listeners[type] = this.listeners[type] || []).push(listener);
  }
  focus() {}
  querySelector() {
    return null;
  }
  querySelectorAll() {
    return [];
  }
  toJSON() {
    return {
      tag: this.tagName.toLowerCase(),
      className: this.className,
      text: this.textContent,
      attributes: this.attributes,
      clickable: Boolean((this.listeners.click || []).length),
      hidden: this.hidden,
      disabled: this.disabled,
      value: this.value,
      children: this.children,
    };
  }
}

const byId = new Map();
const document = {
  body: new FakeElement("body"),
  getElementById(id) {
    if (!byId.has(id)) byId.set(id, new FakeElement("div", id));
    return byId.get(id);
  },
  createElement: (tag) => new FakeElement(tag),
  createTextNode(text) {
    const node = new FakeElement("#text");
    node.textContent = String(text);
    return node;
  },
  querySelector: () => null,
  querySelectorAll: () => [],
  addEventListener() {},
};

function sse(entries) {
  const blocks = entries.map(([id, type, data]) =>
    ["id: " + id, "event: " + type, "data: " + JSON.stringify(data)].join("\n"),
  );
  return ": connected\n\n" + blocks.join("\n\n") + "\n\n";
}

const page = JSON.parse(pageJson || "{}");
const routes = page.routes || {};
const requests = [];
let streamed = false;
async function fetch(url, init) {
  init = init || {};
  requests.push({ url: String(url), method: init.method || "GET", headers: init.headers || {}, body: init.body || null });
  if (String(url).startsWith("/v1/stream") && !streamed) {
    streamed = true;
    const body = sse(JSON.parse(entriesJson));
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  }
  const prefix = Object.keys(routes).find((p) => String(url).startsWith(p));
  if (prefix === undefined) return new Response("{}", { status: 404 });
  const replies = routes[prefix];
  const [status, body] = replies.length > 1 ? replies.shift() : replies[0];
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

const storage = new Map();
const context = {
  window: {},
  document,
  fetch,
  Response,
  URLSearchParams,
  TextDecoder,
  AbortController,
  CSS: { escape: (s) => s },
  crypto: globalThis.crypto,
  Uint8Array,
  sessionStorage: {
    getItem: (k) => (storage.has(k) ? storage.get(k) : null),
    setItem: (k, v) => storage.set(k, String(v)),
  },
  setTimeout: () => 0,
  clearTimeout: () => {},
  console,
};
vm.createContext(context);
const html = fs.readFileSync(indexPath, "utf8");
const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="\/dashboard\/([\w.-]+)"/g)].map((m) => m[1]);
if (!scripts.length) throw new Error(indexPath + " loads no /dashboard/ script");
for (const name of scripts) {
  const file = path.join(path.dirname(indexPath), name);
  vm.runInContext(fs.readFileSync(file, "utf8"), context, { filename: file });
}

function* walk(node) {
  yield node;
  for (const child of node.children) yield* walk(child);
}

function click(node) {
  for (const listener of node.listeners.click || []) listener({ preventDefault() {} });
}

function act(action) {
  if ("set" in action) document.getElementById(action.set).value = action.value;
  else if ("click" in action) click(document.getElementById(action.click));
  else if ("review" in action) {
    const item = document.getElementById("review-queue").children.find((n) => n.dataset.claimId === action.review);
    const nodes = [...walk(item)];
    if (action.note !== undefined) nodes.find((n) => n.tagName === "TEXTAREA").value = action.note;
    click(nodes.find((n) => n.tagName === "BUTTON" && n.dataset.label === action.label));
  } else if ("correct" in action) {
    const item = document.getElementById("review-queue").children.find((n) => n.dataset.claimId === action.correct);
    const nodes = [...walk(item)];
    nodes.find((n) => n.className === "checked-text-input").value = action.text;
    click(nodes.find((n) => n.className === "correct-button"));
  } else if ("open" in action) {
    const buttons = document.getElementById("feed").children.flatMap((n) => [...walk(n)]);
    click(buttons.find((n) => n.tagName === "BUTTON" && n.textContent === action.open));
  }
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 150));
(async () => {
  await settle();
  for (const action of page.actions || []) {
    act(action);
    await settle();
  }
  const text = (id) => document.getElementById(id).textContent;
  const texts = Object.fromEntries(["review-count", "review-result", "status"].map((id) => [id, text(id)]));
  const hidden = Object.fromEntries(["review-more", "review-empty"].map((id) => [id, document.getElementById(id).hidden]));
  process.stdout.write(
    JSON.stringify({
      feed: document.getElementById("feed").children,
      queue: document.getElementById("review-queue").children,
      article: document.getElementById("article-claims").children,
      requests,
      texts,
      hidden,
      storage: Object.fromEntries(storage),
    }),
  );
})();
