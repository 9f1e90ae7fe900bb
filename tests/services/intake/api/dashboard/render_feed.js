// Runs the dashboard's app.js in Node against a small stand-in for the browser's DOM and
// prints the feed it renders as JSON: `node render_feed.js APP_JS ENTRIES_JSON`, where
// ENTRIES_JSON is a list of [stream id, event type, data]. The stream answers them once;
// timers never fire, so the page neither reconnects nor times out.
"use strict";

const fs = require("fs");
const vm = require("vm");

const [appPath, entriesJson] = process.argv.slice(2);

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
    this.listeners = {};
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
  querySelector: () => null,
  querySelectorAll: () => [],
};

function sse(entries) {
  const blocks = entries.map(([id, type, data]) =>
    ["id: " + id, "event: " + type, "data: " + JSON.stringify(data)].join("\n"),
  );
  return ": connected\n\n" + blocks.join("\n\n") + "\n\n";
}

let streamed = false;
async function fetch(url) {
  if (String(url).startsWith("/v1/stream") && !streamed) {
    streamed = true;
    const body = sse(JSON.parse(entriesJson));
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } });
  }
  return new Response("{}", { status: 404 });
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
  sessionStorage: {
    getItem: (k) => (storage.has(k) ? storage.get(k) : null),
    setItem: (k, v) => storage.set(k, String(v)),
  },
  setTimeout: () => 0,
  clearTimeout: () => {},
  console,
};
vm.createContext(context);
vm.runInContext(fs.readFileSync(appPath, "utf8"), context, { filename: appPath });

setTimeout(() => {
  process.stdout.write(JSON.stringify({ feed: document.getElementById("feed").children }));
}, 200);
