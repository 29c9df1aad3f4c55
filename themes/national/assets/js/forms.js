// The form runtime: one page at a time over the static form, with history, error summaries,
// check answers, a draft kept for this browser session (on the device only when the person
// asks) and a submission that is never lost.
// All rules live in forms-logic.js (shared with the server through the vectors).
import { askedPages, askedQuestions, validate, validatePage, payloadAnswers, isAnswered, pendingSend, areaOf } from "./forms-logic.js";
import { enhanceAreaPicker } from "./area-picker.js";
import { FileQuestion } from "./uploads.js";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
const todayISO = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
};
const uuid = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`);

// The copy to keep (issue 31): made on the form page from the answers that were sent, read by the
// confirmation page for the same reference. It stays in this tab only (sessionStorage, which the
// quick exit empties) and is never sent anywhere.
const COPY_KEY = "soh-copy";

/** One row of a summary list: a question and its answer, as check answers shows them. */
function summaryRow(key, value) {
  const row = document.createElement("div");
  row.className = "summary-list__row";
  const dt = document.createElement("dt");
  dt.className = "summary-list__key";
  dt.textContent = key;
  const dd = document.createElement("dd");
  dd.className = "summary-list__value";
  dd.textContent = value;
  row.append(dt, dd);
  return row;
}

function showConfirmation() {
  const block = $("[data-reference-block]");
  if (!block) return;
  const reference = new URLSearchParams(location.search).get("reference");
  if (reference && /^[A-Z0-9-]{4,40}$/i.test(reference)) {
    $("[data-reference]", block).textContent = reference;
    block.hidden = false;
    showCopy(reference);
  }
}

/** Offers the copy of the report this tab kept for `reference`, ready to print or save as a PDF. */
function showCopy(reference) {
  const section = $("[data-report-copy]");
  let copy;
  try { copy = JSON.parse(window.sessionStorage.getItem(COPY_KEY)); } catch { return; }
  if (!section || !copy || copy.reference !== reference || !Array.isArray(copy.rows)) return;
  $("[data-copy-form]", section).textContent = String(copy.form || "");
  $("[data-copy-reference]", section).textContent = reference;
  const sent = new Date(copy.sentAt);
  if (!Number.isNaN(sent.getTime())) {
    $("[data-copy-sent]", section).textContent =
      // British English, as the forms write dates ("7 December 2026 at 20:45"), or Welsh.
      new Intl.DateTimeFormat(document.documentElement.lang === "cy" ? "cy-GB" : "en-GB", { dateStyle: "long", timeStyle: "short" }).format(sent);
  }
  const list = $("[data-copy-answers]", section);
  for (const [key, value] of copy.rows) list.append(summaryRow(String(key), String(value)));
  $("[data-copy-print]", section).addEventListener("click", () => window.print());
  section.hidden = false;
}

class FormRuntime {
  constructor(form, definition, strings) {
    this.form = form;
    this.def = definition;
    this.t = strings;
    this.language = form.dataset.language || "en";
    this.force = location.hostname;
    // The force the form posts to (its action is …/v1/forces/{force}/forms/{form}/submissions).
    this.forceID = (form.getAttribute("action").match(/\/forces\/([a-z0-9-]+)\/forms\//) || [])[1] || "";
    this.key = `soh-draft:${form.action}:${definition.version}`;
    this.sections = new Map($$("[data-page]", form).map((s) => [s.dataset.page, s]));
    this.heading = $("[data-form-heading]");
    this.caption = $("[data-form-caption]");
    this.summary = $("[data-error-summary]", form);
    this.status = $("[data-form-status]", form);
    this.actions = $("[data-form-actions]", form);
    this.submitButton = $("[data-submit]", form);
    this.formTitle = this.heading ? this.heading.textContent : document.title;
    this.returnToCheck = false;
    this.sending = false;
    // Kept on the device (localStorage) only when the person chose it; otherwise for this
    // browser session only (sessionStorage), so a shared phone does not keep a half-written report.
    this.keep = false;
    this.draft = this.loadDraft();
  }

  start() {
    this.form.classList.add("soh-form--js");
    $$("[data-no-js]", this.form).forEach((el) => { el.hidden = true; });
    this.setUpActions();
    this.setUpKeepChoice();
    this.setUpReveals();
    this.setUpRepeats();
    this.setUpCharacterCounts();
    $$("select[data-area-picker]", this.form).forEach((select) => enhanceAreaPicker(select, this.t));
    this.setUpFiles();
    if (this.draft.answers && Object.keys(this.draft.answers).length) {
      this.restore(this.draft.answers);
      this.say(this.t.formDraftRestored);
    }
    this.form.addEventListener("input", () => this.saveDraft());
    this.form.addEventListener("change", () => { this.updateReveals(); this.saveDraft(); });
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.onContinue(); });
    window.addEventListener("popstate", (e) => this.show(e.state?.page || this.firstPage(), false));
    const step = new URLSearchParams(location.search).get("step");
    const asked = this.asked().map((p) => p.id);
    this.show(step && asked.includes(step) ? step : this.firstPage(), false, true);
    if (this.draft.pending) this.send();
  }

  // ----- answers -----
  field(name) { return this.form.elements.namedItem(name); }

  readQuestion(q, name) {
    const value = (n) => { const el = this.field(n); return el && "value" in el ? el.value : ""; };
    switch (q.type) {
      case "content": return undefined;
      case "date": return { day: value(`${name}[day]`), month: value(`${name}[month]`), year: value(`${name}[year]`) };
      case "address": return Object.fromEntries(["line1", "line2", "town", "county", "postcode"].map((p) => [p, value(`${name}[${p}]`)]));
      case "radios": case "yes-no": {
        const checked = $$(`input[name="${CSS.escape(name)}"]:checked`, this.form)[0];
        return checked ? checked.value : "";
      }
      case "checkboxes": return $$(`input[name="${CSS.escape(name)}"]:checked`, this.form).map((i) => i.value);
      case "declaration": return $(`input[name="${CSS.escape(name)}"]`, this.form)?.checked ? "yes" : "";
      case "file": return this.files.get(name)?.ids() || [];
      default: return value(name);
    }
  }

  answers() {
    const answers = {};
    for (const page of this.def.pages) {
      if (page.repeat) {
        const items = this.visibleItems(page.id).map((i) => {
          const item = {};
          for (const q of this.questionsOf(page)) {
            const v = this.readQuestion(q, `${page.id}[${i}][${q.id}]`);
            if (v !== undefined && isAnswered(v)) item[q.id] = v;
          }
          return item;
        });
        answers[page.id] = items;
        continue;
      }
      for (const q of this.questionsOf(page)) {
        const v = this.readQuestion(q, q.id);
        if (v !== undefined) answers[q.id] = v;
      }
    }
    return answers;
  }

  questionsOf(page) {
    return page.questions.flatMap((q) => [q, ...(q.options || []).flatMap((o) => o.reveal || [])]);
  }

  writeQuestion(q, name, value) {
    if (q.type === "file") return this.files.get(name)?.restore(value);
    if (value === undefined) return;
    if (q.type === "date" || q.type === "address") {
      for (const [part, v] of Object.entries(value || {})) { const el = this.field(`${name}[${part}]`); if (el) el.value = v; }
    } else if (["radios", "yes-no", "checkboxes", "declaration"].includes(q.type)) {
      const values = Array.isArray(value) ? value : [value];
      $$(`input[name="${CSS.escape(name)}"]`, this.form).forEach((i) => { i.checked = values.includes(i.value); });
    } else {
      const el = this.field(name);
      if (el && "value" in el) {
        el.value = value;
        el.dispatchEvent(new Event("soh:set"));
      }
    }
  }

  restore(answers) {
    for (const page of this.def.pages) {
      if (page.repeat) {
        const items = Array.isArray(answers[page.id]) ? answers[page.id] : [];
        this.setItemCount(page.id, Math.max(items.length, 1));
        items.forEach((item, i) => this.questionsOf(page).forEach((q) => this.writeQuestion(q, `${page.id}[${i}][${q.id}]`, item[q.id])));
        continue;
      }
      this.questionsOf(page).forEach((q) => this.writeQuestion(q, q.id, answers[q.id]));
    }
    this.updateReveals();
    this.updateCharacterCounts();
  }

  // ----- draft: this browser session, or this device when the person asks -----
  storages() {
    const found = [];
    for (const name of ["sessionStorage", "localStorage"]) { try { found.push(window[name]); } catch { /* blocked */ } }
    return found;
  }

  loadDraft() {
    for (const storage of this.storages()) {
      try {
        const draft = JSON.parse(storage.getItem(this.key));
        if (draft) { this.keep = storage === window.localStorage; return draft; }
      } catch { /* unreadable: try the next */ }
    }
    return {};
  }

  saveDraft(extra = {}) {
    this.draft = { ...this.draft, answers: this.answers(), startedAt: this.draft.startedAt || new Date().toISOString(), ...extra };
    for (const storage of this.storages()) {
      try {
        if ((storage === window.localStorage) === this.keep) storage.setItem(this.key, JSON.stringify(this.draft));
        else storage.removeItem(this.key);
      } catch { /* storage full or blocked: keep going */ }
    }
  }

  clearDraft() {
    for (const storage of this.storages()) { try { storage.removeItem(this.key); } catch { /* ignore */ } }
    this.draft = {};
  }

  setUpKeepChoice() {
    const box = document.createElement("div");
    box.className = "form-group keep-draft";
    const item = document.createElement("div");
    item.className = "choices__item";
    const input = document.createElement("input");
    input.type = "checkbox";
    input.className = "choices__input";
    input.id = "soh-keep-draft";
    input.checked = this.keep;
    const label = document.createElement("label");
    label.className = "label choices__label";
    label.htmlFor = input.id;
    label.textContent = this.t.formKeepLabel;
    const hint = document.createElement("div");
    hint.className = "hint choices__hint";
    hint.id = "soh-keep-draft-hint";
    hint.textContent = this.t.formKeepHint;
    input.setAttribute("aria-describedby", hint.id);
    item.append(input, label, hint);
    // A page with a quick exit is about something the person may need to hide: say plainly who could read it.
    if (document.querySelector("[data-quick-exit]")) {
      const warning = document.createElement("div");
      warning.className = "warning-text keep-draft__warning";
      warning.id = "soh-keep-draft-warning";
      warning.textContent = this.t.formKeepWarning;
      item.append(warning);
      input.setAttribute("aria-describedby", `${warning.id} ${hint.id}`);
    }
    box.append(item);
    input.addEventListener("change", (e) => {
      e.stopPropagation();
      this.keep = input.checked;
      this.saveDraft();
    });
    this.actions.after(box);
  }

  // ----- pages -----
  asked() { return askedPages(this.def, this.answers(), todayISO()); }
  firstPage() { return this.def.pages[0].id; }
  page(id) { return this.def.pages.find((p) => p.id === id); }

  show(id, push = true, replace = false) {
    const page = this.page(id) || this.def.pages[0];
    this.current = page.id;
    for (const [pid, section] of this.sections) section.hidden = pid !== page.id;
    const title = page.title[this.language] || page.title.en;
    if (this.heading) this.heading.textContent = title;
    if (this.caption) { this.caption.textContent = this.formTitle; this.caption.hidden = false; }
    $(".form-page__title", this.sections.get(page.id))?.classList.add("visually-hidden");
    document.title = `${title} – ${this.formTitle}`;
    if (page.kind === "check-answers") this.renderCheckAnswers();
    const asked = this.asked();
    const last = asked[asked.length - 1]?.id === page.id;
    this.actions.hidden = page.kind === "exit";
    this.submitButton.textContent = last ? this.t.formSend : this.t.formContinue;
    this.backLink.hidden = asked[0]?.id === page.id;
    this.clearErrors();
    const url = `${location.pathname}?step=${encodeURIComponent(page.id)}`;
    if (push) history.pushState({ page: page.id }, "", url);
    else if (replace) history.replaceState({ page: page.id }, "", url);
    if (push && this.heading) { this.heading.tabIndex = -1; this.heading.focus(); }
  }

  onContinue() {
    if (this.sending) return;
    const answers = this.answers();
    const page = this.page(this.current);
    const errors = [...validatePage(this.def, page, answers, { today: todayISO(), language: this.language }), ...this.fileErrors(page)];
    if (errors.length) return this.showErrors(errors);
    const asked = askedPages(this.def, answers, todayISO());
    const i = asked.findIndex((p) => p.id === page.id);
    const next = asked[i + 1];
    const check = asked.find((p) => p.kind === "check-answers");
    if (this.returnToCheck && check && next && next.kind !== "exit" && this.pageComplete(asked, check.id)) {
      this.returnToCheck = false;
      return this.show(check.id);
    }
    if (next) return this.show(next.id);
    this.submit();
  }

  /** Every page before `untilId` is valid (so jumping back to check answers skips nothing). */
  pageComplete(asked, untilId) {
    const answers = this.answers();
    for (const p of asked) {
      if (p.id === untilId) return true;
      if (validatePage(this.def, p, answers, { today: todayISO(), language: this.language }).length) return false;
    }
    return true;
  }

  setUpActions() {
    this.backLink = document.createElement("a");
    this.backLink.href = "#";
    this.backLink.className = "back-link";
    this.backLink.textContent = this.t.formBack;
    this.backLink.addEventListener("click", (e) => {
      e.preventDefault();
      const asked = this.asked();
      const i = asked.findIndex((p) => p.id === this.current);
      if (i > 0) this.show(asked[i - 1].id);
    });
    (this.caption || this.heading || this.form).before(this.backLink);
    this.submitButton.type = "submit";
    const again = document.createElement("button");
    again.type = "button";
    again.className = "button button--secondary";
    again.textContent = this.t.formStartAgain;
    again.addEventListener("click", () => {
      this.clearDraft();
      this.form.reset();
      this.restore({});
      this.status.hidden = true;
      this.show(this.firstPage());
    });
    this.actions.append(" ", again);
  }

  // ----- reveals, repeats, character counts -----
  setUpReveals() {
    $$("input[data-reveal]", this.form).forEach((input) => {
      input.setAttribute("aria-controls", input.dataset.reveal);
    });
    this.updateReveals();
  }

  updateReveals() {
    $$("input[data-reveal]", this.form).forEach((input) => {
      const panel = document.getElementById(input.dataset.reveal);
      // aria-controls only: aria-expanded is not allowed on radios and checkboxes.
      if (panel) panel.hidden = !input.checked;
    });
  }

  setUpRepeats() {
    $$("[data-repeat]", this.form).forEach((box) => {
      const id = box.dataset.repeat;
      $("[data-repeat-add]", box).addEventListener("click", () => {
        this.setItemCount(id, this.visibleItems(id).length + 1);
        const items = $$("[data-repeat-item]", box).filter((el) => !el.hidden);
        $("input, textarea, select", items[items.length - 1])?.focus();
        this.saveDraft();
      });
      $$("[data-repeat-remove]", box).forEach((button, index) => button.addEventListener("click", () => {
        // Shift later items up so the answers stay in order.
        const page = this.page(id);
        const answers = this.answers()[id];
        answers.splice(index, 1);
        $$("[data-repeat-item]", box).forEach((_, i) => this.questionsOf(page).forEach((q) => this.writeQuestion(q, `${id}[${i}][${q.id}]`,
          q.type === "date" || q.type === "address" ? Object.fromEntries(Object.keys(this.readQuestion(q, `${id}[${i}][${q.id}]`)).map((k) => [k, ""])) : "")));
        answers.forEach((item, i) => this.questionsOf(page).forEach((q) => this.writeQuestion(q, `${id}[${i}][${q.id}]`, item[q.id])));
        this.setItemCount(id, Math.max(answers.length, 1));
        this.saveDraft();
      }));
      this.setItemCount(id, 1);
    });
  }

  visibleItems(id) {
    const box = $(`[data-repeat="${CSS.escape(id)}"]`, this.form);
    return box ? $$("[data-repeat-item]", box).filter((el) => !el.hidden).map((el) => Number(el.dataset.repeatItem)) : [];
  }

  setItemCount(id, count) {
    const box = $(`[data-repeat="${CSS.escape(id)}"]`, this.form);
    if (!box) return;
    const max = Number(box.dataset.max), min = Math.max(Number(box.dataset.min), 1);
    const items = $$("[data-repeat-item]", box);
    items.forEach((el, i) => {
      el.hidden = i >= count;
      $("[data-repeat-remove]", el).hidden = count <= min;
    });
    $("[data-repeat-add]", box).hidden = count >= max;
  }

  setUpCharacterCounts() {
    $$("textarea[data-maxlength]", this.form).forEach((area) => area.addEventListener("input", () => this.updateCount(area)));
    this.updateCharacterCounts();
  }

  updateCharacterCounts() { $$("textarea[data-maxlength]", this.form).forEach((a) => this.updateCount(a)); }

  updateCount(area) {
    const out = document.getElementById(`${area.id}-count`);
    if (!out) return;
    const left = Number(area.dataset.maxlength) - [...area.value.trim()].length;
    out.textContent = (left >= 0 ? this.t.characterCountRemaining : this.t.characterCountOver).replace("{n}", Math.abs(left));
    out.classList.toggle("character-count--over", left < 0);
  }

  // ----- errors -----
  groupFor(question) { return $$("[data-question]", this.form).find((g) => g.dataset.question === question); }

  clearErrors() {
    this.summary.hidden = true;
    $$(".form-group--error", this.form).forEach((g) => {
      g.classList.remove("form-group--error");
      const p = document.getElementById(g.dataset.errorId);
      if (p) p.hidden = true;
      $$("input, textarea, select, fieldset", g).forEach((el) => {
        el.removeAttribute("aria-invalid");
        const ids = (el.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && x !== g.dataset.errorId);
        if (ids.length) el.setAttribute("aria-describedby", ids.join(" ")); else el.removeAttribute("aria-describedby");
      });
    });
    if (document.title.startsWith(`${this.t.errorPrefix} `)) document.title = document.title.slice(this.t.errorPrefix.length + 1);
  }

  showErrors(errors) {
    this.clearErrors();
    const list = $("ul", this.summary);
    list.textContent = "";
    const shown = new Set();
    for (const error of errors) {
      const group = this.groupFor(error.question);
      const target = group && $("input:not([type=hidden]), textarea, select", group);
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.textContent = error.message;
      a.href = target ? `#${target.id}` : "#";
      a.addEventListener("click", (e) => { e.preventDefault(); target?.focus(); target?.scrollIntoView({ block: "center" }); });
      li.append(a);
      list.append(li);
      if (!group || shown.has(group)) continue;
      shown.add(group);
      group.classList.add("form-group--error");
      const p = document.getElementById(group.dataset.errorId);
      if (p) { $("[data-error-text]", p).textContent = error.message; p.hidden = false; }
      const describe = $("fieldset", group) || target;
      if (describe) describe.setAttribute("aria-describedby", `${describe.getAttribute("aria-describedby") || ""} ${group.dataset.errorId}`.trim());
      $$("input:not([type=hidden]), textarea, select", group).forEach((el) => el.setAttribute("aria-invalid", "true"));
    }
    this.summary.hidden = false;
    document.title = `${this.t.errorPrefix} ${document.title}`;
    this.summary.focus();
  }

  // ----- check answers -----
  /** Each asked question with its answer as a person reads it, in the order of the form. */
  answerRows(answers) {
    const rows = [];
    for (const page of askedPages(this.def, answers, todayISO())) {
      if (page.kind !== "questions" || page.repeat && !answers[page.id]) continue;
      const asked = page.repeat
        ? (answers[page.id] || []).flatMap((item, i) => askedQuestions(page, item).map((q) => [q, item[q.id], ` ${i + 1}`]))
        : askedQuestions(page, answers).map((q) => [q, answers[q.id], ""]);
      for (const [q, value, suffix] of asked) {
        rows.push({ page: page.id, key: (q.label[this.language] || q.label.en) + suffix, value: this.display(q, value) });
      }
    }
    return rows;
  }

  renderCheckAnswers() {
    const section = this.sections.get(this.current);
    const list = $("[data-check-answers]", section);
    if (!list) return;
    list.hidden = false;
    list.textContent = "";
    const answers = this.answers();
    this.renderElsewhere(section, answers);
    for (const { page, key, value } of this.answerRows(answers)) {
      const row = summaryRow(key, value);
      const change = document.createElement("dd");
      change.className = "summary-list__actions";
      const a = document.createElement("a");
      a.href = `?step=${encodeURIComponent(page)}`;
      a.textContent = this.t.formChange;
      const hidden = document.createElement("span");
      hidden.className = "visually-hidden";
      hidden.textContent = ` ${key}`;
      a.append(hidden);
      a.addEventListener("click", (e) => { e.preventDefault(); this.returnToCheck = true; this.show(page); });
      change.append(a);
      row.append(change);
      list.append(row);
    }
  }

  /** The copy the confirmation page offers: the answers that were sent, kept in this tab only. */
  keepCopy(answers, reference) {
    const copy = { reference, form: this.formTitle, sentAt: new Date().toISOString(), rows: this.answerRows(answers).map((r) => [r.key, r.value]) };
    try { window.sessionStorage.setItem(COPY_KEY, JSON.stringify(copy)); } catch { /* blocked or full: no copy is offered */ }
  }

  // When it happened in another force's area, check answers says what will become of the report.
  renderElsewhere(section, answers) {
    let notice = $("[data-elsewhere]", section);
    const where = areaOf(this.def, answers);
    if (!where || where.force === this.forceID) {
      if (notice) notice.hidden = true;
      return;
    }
    if (!notice) {
      notice = document.createElement("p");
      notice.className = "inset";
      notice.dataset.elsewhere = "";
      $("[data-check-answers]", section).before(notice);
    }
    const police = where.police ? where.police[this.language] || where.police.en : where.force;
    const template = this.def.whenElsewhere === "notify" ? this.t.areaElsewhereNotify : this.t.areaElsewhereTransfer;
    notice.textContent = (template || "").replace("{police}", police);
    notice.hidden = false;
  }

  display(q, value) {
    if (!isAnswered(value)) return this.t.checkAnswersNotAnswered;
    const label = (v) => {
      if (q.type === "yes-no") return v === "yes" ? this.t.yes : this.t.no;
      const o = (q.options || []).find((x) => x.value === v);
      return o ? (o.label[this.language] || o.label.en) : v;
    };
    if (q.type === "date") {
      // "3 February 2026", in the page's language, as GOV.UK shows dates.
      const months = (this.t.monthNames || "").split(",").map((m) => m.trim());
      const month = months[Number(value.month) - 1];
      return month ? `${Number(value.day)} ${month} ${Number(value.year)}` : `${value.day}/${value.month}/${value.year}`;
    }
    if (q.type === "address") return ["line1", "line2", "town", "county", "postcode"].map((k) => value[k]).filter(Boolean).join(", ");
    if (q.type === "file") return (this.files.get(q.id)?.files || []).filter((f) => value.includes(f.id)).map((f) => f.name).join(", ");
    if (Array.isArray(value)) return value.map(label).join(", ");
    if (q.type === "declaration") return this.t.yes;
    if (q.type === "area") {
      const o = (q.options || []).find((x) => x.value === value);
      const police = o && (q.groups || {})[o.group];
      return police ? `${label(value)} (${police[this.language] || police.en})` : label(value);
    }
    return ["radios", "select", "yes-no"].includes(q.type) ? label(value) : value;
  }

  // ----- evidence files (uploads.js) -----
  setUpFiles() {
    this.files = new Map();
    const base = this.form.action.replace(/submissions$/, "uploads");
    for (const group of $$("[data-type=file]", this.form)) {
      const q = this.questionsOf(this.def.pages.find((p) => this.sections.get(p.id)?.contains(group)) || { questions: [] })
        .find((x) => x.id === group.dataset.question);
      if (q) this.files.set(q.id, new FileQuestion(group, q, { base, language: this.language, t: this.t, changed: () => this.saveDraft() }));
    }
  }

  /** Files of the page's questions still on their way, or refused. */
  fileErrors(page) {
    return this.questionsOf(page).flatMap((q) => this.files.get(q.id)?.errors(q.id) || []);
  }

  // ----- submission: never lost -----
  submit() {
    const answers = this.answers();
    const errors = [...validate(this.def, payloadAnswers(this.def, answers, todayISO()), { today: todayISO(), language: this.language }),
      ...this.def.pages.flatMap((p) => this.fileErrors(p))];
    if (errors.length) {
      const first = errors[0].question.split(/[[.]/)[0];
      const page = this.def.pages.find((p) => p.id === first || this.questionsOf(p).some((q) => q.id === first));
      if (page && page.id !== this.current) this.show(page.id);
      return this.showErrors(errors.filter((e) => !page || this.sections.get(page.id).contains(this.groupFor(e.question) || null)));
    }
    this.saveDraft({ pending: pendingSend(this.draft.pending, payloadAnswers(this.def, answers, todayISO()), new Date().toISOString(), uuid) });
    this.send();
  }

  async send(attempt = 0) {
    if (this.sending || !this.draft.pending) return;
    this.sending = true;
    this.submitButton.disabled = true;
    this.submitButton.setAttribute("aria-disabled", "true");
    this.say(this.t.formSending);
    // Exactly the answers the key was made for: a key is never sent with other answers.
    const pending = this.draft.pending;
    const body = JSON.stringify({
      form: this.def.id, version: this.def.version, language: this.language, answers: pending.answers,
      startedAt: this.draft.startedAt, submittedAt: pending.at,
    });
    let response;
    try {
      response = await fetch(this.form.action, {
        method: "POST", body, credentials: "omit",
        headers: { "Content-Type": "application/json", Accept: "application/json", "Idempotency-Key": pending.key },
      });
    } catch {
      return this.retryLater(attempt);
    } finally {
      this.sending = false;
    }
    if (response.status === 201 || response.status === 200) {
      const result = await response.json().catch(() => ({}));
      this.keepCopy(pending.answers, String(result.reference || ""));
      this.clearDraft();
      // The API decided which force's area it is; the confirmation page has a note for each.
      const elsewhere = /^[a-z0-9-]+$/.test(result.areaForce || "") && result.areaForce !== this.forceID ? `#area-force-${result.areaForce}` : "";
      location.assign(`${this.form.dataset.confirmation}?reference=${encodeURIComponent(result.reference || "")}${elsewhere}`);
      return;
    }
    if (response.status >= 500 || response.status === 429) return this.retryLater(attempt, Number(response.headers.get("Retry-After")) || 0);
    this.enableSubmit();
    if (response.status === 422) {
      const result = await response.json().catch(() => ({ errors: [] }));
      if (result.code === "idempotencyKeyReused" && attempt < 3) {
        // The key was used before for other answers: these answers are a send of their own.
        this.saveDraft({ pending: { ...pending, key: uuid() } });
        return this.send(attempt + 1);
      }
      this.saveDraft({ pending: undefined });
      return this.showErrors(result.errors || []);
    }
    this.say(this.t.formServerError);
  }

  retryLater(attempt, seconds = 0) {
    const wait = seconds || Math.min(60, 5 * 2 ** attempt);
    this.enableSubmit();
    this.say(this.t.formRetrying.replace("{seconds}", wait), true);
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.send(attempt + 1), wait * 1000);
  }

  enableSubmit() {
    this.submitButton.disabled = false;
    this.submitButton.removeAttribute("aria-disabled");
  }

  say(message, withRetry = false) {
    this.status.textContent = message;
    this.status.hidden = false;
    if (withRetry) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button button--secondary";
      button.textContent = this.t.formRetryNow;
      button.addEventListener("click", () => { clearTimeout(this.retryTimer); this.send(0); });
      this.status.append(" ", button);
    }
  }
}

async function main() {
  showConfirmation();
  const form = $("form.soh-form");
  if (!form) return;
  try {
    const response = await fetch(form.dataset.definition, { credentials: "same-origin" });
    if (!response.ok) return;
    const definition = await response.json();
    const strings = JSON.parse(form.closest("[data-strings]")?.dataset.strings || "{}");
    new FormRuntime(form, definition, strings).start();
  } catch {
    // Without the definition the form still works as one page that posts directly.
  }
}

main();
