// A JSON-RPC client over the page's own WebSocket; integers beyond 2^53 become BigInt.
// Every request/answer is kept in `log` so a test can replay them against the server.

const reviver = (key, value, ctx) =>
  typeof value === "number" && !Number.isSafeInteger(value) && ctx && /^-?\d+$/.test(ctx.source)
    ? BigInt(ctx.source) : value;

export const parse = (text) => JSON.parse(text, reviver);

export class Rpc {
  constructor(url) {
    this.url = url;
    this.nextId = 1;
    this.pending = new Map();
    this.subs = new Map();
    this.log = [];
    this.ready = this.connect();
  }

  connect() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url);
      ws.onopen = () => { this.ws = ws; resolve(); };
      ws.onerror = () => reject(new Error(`cannot connect to ${this.url}`));
      ws.onmessage = (ev) => this.receive(ev.data);
      ws.onclose = () => {
        for (const p of this.pending.values()) p.reject(new Error("connection closed"));
        this.pending.clear();
        if (this.onclose) this.onclose();
      };
    });
  }

  receive(text) {
    const doc = parse(text);
    if (doc.method && doc.params && doc.id === undefined) {
      const fn = this.subs.get(doc.params.subscription);
      if (fn) fn(doc.params.result);
      return;
    }
    const p = this.pending.get(doc.id);
    if (!p) return;
    this.pending.delete(doc.id);
    p.entry.answer = text;
    if (doc.error) p.reject(Object.assign(new Error(doc.error.message + (doc.error.data ? `: ${doc.error.data}` : "")), doc.error));
    else p.resolve(doc.result);
  }

  async call(method, ...params) {
    await this.ready;
    const id = this.nextId++;
    const request = { jsonrpc: "2.0", id, method, params };
    const entry = { request: JSON.stringify(request), answer: null };
    this.log.push(entry);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, entry });
      this.ws.send(entry.request);
    });
  }

  async subscribe(method, fn, ...params) {
    const id = await this.call(method, ...params);
    this.subs.set(id, fn);
    return id;
  }
}
