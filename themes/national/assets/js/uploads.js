// Evidence files (docs/evidence.md): each file chosen is sent at once, in pieces, by the core
// of tus 1.0; when the connection breaks, the upload asks the API how far it got and goes on
// from there. The question's answer is the list of the uploads' ids.
const PIECE = 4 * 1024 * 1024;
const TUS = { "Tus-Resumable": "1.0.0" };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// A function, so a name with `$&` in it is put in as it is.
const fill = (text, file) => (text || "").replace("{file}", () => file);
const b64 = (s) => btoa(String.fromCharCode(...new TextEncoder().encode(s)));

export class FileQuestion {
  /** `group` is the question's form group; `base` the form's uploads URL. */
  constructor(group, question, { base, language, t, changed }) {
    Object.assign(this, { group, q: question, base, language, t, changed, files: [] });
    this.input = group.querySelector("input[type=file]");
    this.list = group.querySelector("[data-file-list]");
    // What happens to each file is said politely, without moving focus.
    this.live = document.createElement("p");
    this.live.className = "visually-hidden";
    this.live.setAttribute("aria-live", "polite");
    this.list.after(this.live);
    this.input.addEventListener("change", (e) => {
      e.stopPropagation();
      this.choose([...this.input.files]);
      this.input.value = "";
    });
  }

  say(text) { this.live.textContent = text; }

  message(code, name) { return fill(this.q.messages[code]?.[this.language] || this.q.messages[code]?.en || code, name); }

  /** The ids to send: files whole on the server (being scanned, or clean). */
  ids() { return this.restoring || this.files.filter((f) => f.state === "scanning" || f.state === "clean").map((f) => f.id); }

  /** Errors for the page: files still on their way, or refused. */
  errors(path) {
    return this.files.filter((f) => f.error || f.state === "receiving").map((f) => ({
      question: path, code: f.code || "fileUploading", message: f.error || fill(this.t.fileUploading, f.name),
    }));
  }

  choose(chosen) {
    const rule = this.q.files;
    for (const file of chosen) {
      const f = { name: file.name, size: file.size, file, state: "receiving" };
      if (this.files.filter((x) => !x.error).length >= rule.maxFiles) this.fail(f, "tooManyFiles");
      else if (file.size === 0) this.fail(f, "fileEmpty");
      else if (file.size > rule.maxSize) this.fail(f, "fileTooLarge");
      this.files.push(f);
      this.render();
      if (!f.error) this.send(f);
    }
    this.changed();
  }

  fail(f, code, message) {
    f.code = code;
    f.error = message || this.message(code, f.name);
    f.state = "refused";
    this.say(f.error);
  }

  /** Restores a draft's uploads from the API (their names and states). */
  async restore(ids) {
    this.files = [];
    this.restoring = ids || [];
    for (const id of ids || []) {
      const f = { id, name: "", url: `${this.base}/${id}`, state: "receiving" };
      try {
        const r = await fetch(`${f.url}?language=${this.language}`, { headers: TUS });
        if (!r.ok) continue;
        const s = await r.json();
        Object.assign(f, { name: s.name, size: s.size, state: s.state });
        if (s.error) this.fail(f, s.error.code, s.error.message);
        this.files.push(f);
      } catch { /* offline: the draft keeps the id, the list shows it when it can */ }
    }
    this.restoring = null;
    this.render();
    this.changed();
  }

  async send(f) {
    try {
      if (!f.url) {
        const meta = `question ${b64(this.q.id)},filename ${b64(f.name)},language ${b64(this.language)}`;
        const r = await this.retry(() => fetch(this.base, { method: "POST", headers: { ...TUS, "Upload-Length": String(f.size), "Upload-Metadata": meta } }));
        if (r.status !== 201) return this.refused(f, r);
        f.url = new URL(r.headers.get("Location"), this.base).href;
        f.id = f.url.split("/").pop();
      }
      this.say(fill(this.t.fileUploadingNow, f.name));
      let offset = 0;
      while (offset < f.size) {
        const r = await this.retry(() => fetch(f.url, {
          method: "PATCH", body: f.file.slice(offset, offset + PIECE),
          headers: { ...TUS, "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
        }), () => this.offset(f).then((o) => { offset = o; }));
        if (r.status === 204) offset = Number(r.headers.get("Upload-Offset"));
        else if (r.status === 409 || r.status === 423) { await sleep(1000); offset = await this.offset(f); }
        else return this.refused(f, r);
        f.done = Math.floor((100 * offset) / f.size);
        this.render();
      }
      f.state = "scanning";
      this.say(fill(this.t.fileUploaded, f.name));
      this.render();
      this.changed();
      this.watch(f);
    } catch {
      this.fail(f, "fileNotUploaded");
      this.render();
      this.changed();
    }
  }

  /** `request`, again after a pause when the network fails (`resync` first), for about 10 minutes. */
  async retry(request, resync) {
    for (let wait = 1000, tries = 0; ; wait = Math.min(wait * 2, 30000), tries++) {
      try {
        const r = await request();
        if (r.status < 500 || r.status === 501) return r;
      } catch { /* the connection broke */ }
      if (tries > 25) throw new Error("gave up");
      await sleep(wait);
      if (resync) { try { await resync(); } catch { /* still offline */ } }
    }
  }

  async offset(f) {
    const r = await fetch(f.url, { method: "HEAD", headers: TUS });
    if (!r.ok) throw new Error(String(r.status));
    return Number(r.headers.get("Upload-Offset"));
  }

  async refused(f, r) {
    let message;
    try { const body = await r.json(); message = body.errors?.[0]?.message; f.code = body.errors?.[0]?.code; } catch { /* not JSON */ }
    this.fail(f, f.code || "fileNotUploaded", message);
    this.render();
    this.changed();
  }

  /** Asks how the scan went until it has a verdict. */
  async watch(f) {
    for (let i = 0; i < 60 && f.state === "scanning"; i++) {
      await sleep(2000);
      try {
        const s = await (await fetch(`${f.url}?language=${this.language}`, { headers: TUS })).json();
        f.state = s.state;
        if (s.error) this.fail(f, s.error.code, s.error.message);
      } catch { /* try again */ }
    }
    this.render();
    this.changed();
  }

  remove(f) {
    this.files = this.files.filter((x) => x !== f);
    if (f.url) fetch(f.url, { method: "DELETE", headers: TUS }).catch(() => {});
    this.say(fill(this.t.fileRemoved, f.name));
    this.render();
    this.changed();
    this.input.focus();
  }

  render() {
    this.list.hidden = this.files.length === 0;
    this.list.replaceChildren(...this.files.map((f) => {
      const li = document.createElement("li");
      li.className = "file-list__item" + (f.error ? " file-list__item--error" : "");
      const name = document.createElement("span");
      name.className = "file-list__name";
      name.textContent = f.name;
      const status = document.createElement("span");
      status.className = "file-list__status";
      status.textContent = f.error || (f.state === "receiving" ? `${this.t.fileUploadingShort} ${f.done || 0}%` : this.t.fileDone);
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--secondary file-list__remove";
      button.textContent = this.t.repeatRemove;
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = ` ${f.name}`;
      button.append(hidden);
      button.addEventListener("click", () => this.remove(f));
      li.append(name, " ", status, " ", button);
      return li;
    }));
  }
}
