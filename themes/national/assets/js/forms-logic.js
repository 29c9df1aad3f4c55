// The pure logic of national forms: conditions, validation, navigation and the payload.
// No DOM here, so `node --test` runs it; Sources/SOHForms/FormValidator.swift is its twin and
// the shared vectors in Tests/vectors/forms.json prove they agree.

const DATE_FIELDS = ["day", "month", "year"];
const ADDRESS_FIELDS = ["line1", "line2", "town", "county", "postcode"];

const isString = (v) => typeof v === "string";
const isStringList = (v) => Array.isArray(v) && v.every(isString);
const isParts = (v) => v !== null && typeof v === "object" && !Array.isArray(v) && Object.values(v).every(isString);
const isItems = (v) => Array.isArray(v) && v.every((i) => i !== null && typeof i === "object" && !Array.isArray(i));
const trim = (s) => s.trim();
const length = (s) => [...s].length;

export function isAnswered(value) {
  if (value === undefined || value === null) return false;
  if (isString(value)) return trim(value) !== "";
  if (Array.isArray(value)) return value.length > 0;
  if (isParts(value)) return Object.values(value).some((v) => trim(v) !== "");
  return true;
}

function text(lt, language) {
  if (!lt) return "";
  return lt[language] ?? lt.en ?? "";
}

// Dates are compared as [year, month, day]; today is "YYYY-MM-DD".
export function parseISO(iso) {
  const m = /^(\d+)-(\d+)-(\d+)$/.exec(iso || "");
  if (!m) return null;
  const d = [Number(m[1]), Number(m[2]), Number(m[3])];
  return isRealDate(d[0], d[1], d[2]) ? d : null;
}

export function isRealDate(year, month, day) {
  if (!(year >= 1000 && year <= 9999) || !(month >= 1 && month <= 12) || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return day <= days[month - 1];
}

const compare = (a, b) => (a[0] - b[0]) || (a[1] - b[1]) || (a[2] - b[2]);

function yearsBetween(date, today) {
  let years = today[0] - date[0];
  if (today[1] < date[1] || (today[1] === date[1] && today[2] < date[2])) years -= 1;
  return years;
}

function dateOf(value) {
  if (!isParts(value)) return null;
  const [d, m, y] = ["day", "month", "year"].map((k) => (/^\d+$/.test(value[k] || "") ? Number(value[k]) : NaN));
  return isRealDate(y, m, d) ? [y, m, d] : null;
}

export function evaluate(condition, answers, today) {
  if (condition.all) return condition.all.every((c) => evaluate(c, answers, today));
  if (condition.any) return condition.any.some((c) => evaluate(c, answers, today));
  if (condition.not) return !evaluate(condition.not, answers, today);
  const value = answers[condition.question];
  const asText = isString(value) ? value : undefined;
  if ("equals" in condition) return asText === condition.equals;
  if ("notEquals" in condition) return asText !== condition.notEquals;
  if ("in" in condition) return asText !== undefined && condition.in.includes(asText);
  if ("contains" in condition) return isStringList(value) && value.includes(condition.contains);
  if ("answered" in condition) return isAnswered(value) === condition.answered;
  const bound = (v) => (v === "today" ? parseISO(today) : parseISO(v));
  if ("before" in condition) {
    const d = dateOf(value), b = bound(condition.before);
    return !!(d && b) && compare(d, b) < 0;
  }
  if ("after" in condition) {
    const d = dateOf(value), b = bound(condition.after);
    return !!(d && b) && compare(b, d) < 0;
  }
  return false;
}

const selects = (value, option) => (isString(value) ? value === option : isStringList(value) && value.includes(option));

export function askedQuestions(page, answers) {
  const result = [];
  for (const q of page.questions) {
    if (q.type === "content") continue;
    result.push(q);
    for (const option of q.options || []) {
      if (option.reveal && selects(answers[q.id], option.value)) result.push(...option.reveal);
    }
  }
  return result;
}

/** The pages asked for these answers, in order (exit pages included). */
export function askedPages(form, answers, today) {
  const effective = {};
  const asked = [];
  for (const page of form.pages) {
    if (page.when && !evaluate(page.when, effective, today)) continue;
    asked.push(page);
    if (page.kind === "exit") break; // the journey ends here: nothing after it is asked
    if (page.repeat) continue;
    for (const q of askedQuestions(page, answers)) {
      if (q.id in answers) effective[q.id] = answers[q.id];
    }
  }
  return asked;
}

const allQuestions = (form) =>
  form.pages.flatMap((p) => p.questions.flatMap((q) => [q, ...(q.options || []).flatMap((o) => o.reveal || [])]));

const PHONE = /^0[0-9]{9,10}$/;
const MOBILE = /^07([1-57-9][0-9]{8}|624[0-9]{6})$/;
/** A UK number's digits with its leading 0 (+44 and 0044 written as 0), as Rules.phoneDigits. */
const ukDigits = (s) => {
  const digits = s.replace(/[\s().-]/g, "");
  if (digits.startsWith("+44")) return "0" + digits.slice(3);
  if (digits.startsWith("0044")) return "0" + digits.slice(4);
  return digits;
};
/** An upload's id in a file question's answer (Question.uploadIDPattern). */
const UPLOAD_ID = /^[0-9a-f]{32}$/;
export const rules = {
  email: (s) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s),
  phone: (s) => PHONE.test(ukDigits(s)),
  mobile: (s) => MOBILE.test(ukDigits(s)),
  postcode: (s) => {
    const c = s.toUpperCase().replace(/\s/g, "");
    return c === "GIR0AA" || /^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$/.test(c);
  },
  registration: (s) => {
    const c = s.toUpperCase().replace(/\s/g, "");
    return /^[A-Z0-9]{2,8}$/.test(c) && /[A-Z]/.test(c) && /[0-9]/.test(c);
  },
  time: (s) => /^([01]?[0-9]|2[0-3])[:.][0-5][0-9]$/.test(s) || /^(1[0-2]|0?[1-9])([:.][0-5][0-9])?\s?(am|pm)$/i.test(s),
};

function validateDate(q, parts, today, error) {
  if (Object.keys(parts).some((k) => !DATE_FIELDS.includes(k))) return error("malformed");
  const fields = DATE_FIELDS.map((k) => trim(parts[k] || ""));
  if (fields.some((f) => f === "")) return error("incomplete");
  if (!fields.every((f) => /^[0-9]+$/.test(f)) || fields[2].length !== 4) return error("invalid");
  const [d, m, y] = fields.map(Number);
  if (!isRealDate(y, m, d)) return error("invalid");
  const date = [y, m, d], now = parseISO(today), rule = q.dateRule || {};
  if (rule.past === true && compare(now, date) < 0) return error("future");
  if (rule.future === true && compare(date, now) < 0) return error("past");
  if (rule.minAge != null && yearsBetween(date, now) < rule.minAge) return error("tooYoung");
  if (rule.maxAge != null && yearsBetween(date, now) > rule.maxAge) return error("tooOld");
  return [];
}

/** The rules of one question; `path` names it in errors. */
export function validateQuestion(q, value, path, options) {
  const error = (code) => [{ question: path, code, message: text(q.messages[code], options.language) || code }];
  if (!isAnswered(value)) {
    if (q.type === "address" && q.required) return [...error("line1Required"), ...error("townRequired"), ...error("postcodeRequired")];
    return q.required ? error("required") : [];
  }
  switch (q.type) {
    case "content":
      return [];
    case "checkboxes": {
      if (!isStringList(value)) return error("malformed");
      const allowed = (q.options || []).map((o) => o.value);
      return value.every((v) => allowed.includes(v)) ? [] : error("invalidOption");
    }
    case "file": {
      // The uploads themselves (kind, size, scan) are checked by the API, which holds them.
      if (!isStringList(value) || new Set(value).size !== value.length || !value.every((id) => UPLOAD_ID.test(id))) return error("malformed");
      return value.length > ((q.files && q.files.maxFiles) || 0) ? error("tooManyFiles") : [];
    }
    case "date":
      return isParts(value) ? validateDate(q, value, options.today, error) : error("malformed");
    case "address": {
      if (!isParts(value)) return error("malformed");
      const has = (k) => trim(value[k] || "") !== "";
      const errors = [];
      if (!has("line1")) errors.push(...error("line1Required"));
      if (!has("town")) errors.push(...error("townRequired"));
      if (!has("postcode")) errors.push(...error("postcodeRequired"));
      else if (!rules.postcode(value.postcode)) errors.push(...error("postcodeInvalid"));
      if (Object.keys(value).some((k) => !ADDRESS_FIELDS.includes(k))) errors.push(...error("malformed"));
      return errors;
    }
  }
  if (!isString(value)) return error("malformed");
  const v = trim(value);
  const n = length(v);
  switch (q.type) {
    case "text":
    case "textarea":
      if (q.maxLength != null && n > q.maxLength) return error("tooLong");
      if (q.minLength != null && n < q.minLength) return error("tooShort");
      break;
    case "email":
      if (q.maxLength != null && n > q.maxLength) return error("tooLong");
      if (!rules.email(v)) return error("invalid");
      break;
    case "phone":
      if (!rules.phone(v) || (q.mobile === true && !rules.mobile(v))) return error("invalid");
      break;
    case "postcode":
    case "registration":
    case "time":
      if (!rules[q.type](v)) return error("invalid");
      break;
    case "number": {
      const cleaned = v.replace(/,/g, "");
      if (!/^-?[0-9]+(\.[0-9]+)?$/.test(cleaned)) return error("invalid");
      const number = Number(cleaned);
      if (q.wholeNumber === true && cleaned.includes(".")) return error("wholeNumber");
      if (q.min != null && number < q.min) return error("tooSmall");
      if (q.max != null && number > q.max) return error("tooLarge");
      break;
    }
    case "radios":
    case "select":
    case "area":
      if (!(q.options || []).some((o) => o.value === value)) return error("invalidOption");
      break;
    case "yes-no":
      if (value !== "yes" && value !== "no") return error("invalidOption");
      break;
    case "declaration":
      if (value !== "yes") return error("required");
      break;
  }
  return [];
}

function validateRepeat(form, page, value, options) {
  const language = options.language;
  let items;
  if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) items = [];
  else if (isItems(value)) items = value;
  else return [{ question: page.id, code: "malformed", message: text(form.messages.malformed, language) }];
  const errors = [];
  const rule = page.repeat;
  if (items.length < rule.min) errors.push({ question: page.id, code: "tooFew", message: text(rule.messages.tooFew, language) });
  if (items.length > rule.max) errors.push({ question: page.id, code: "tooMany", message: text(rule.messages.tooMany, language) });
  items.forEach((item, i) => {
    const asked = new Set();
    for (const q of askedQuestions(page, item)) {
      asked.add(q.id);
      errors.push(...validateQuestion(q, item[q.id], `${page.id}[${i}].${q.id}`, options));
    }
    const questions = page.questions.flatMap((q) => [q, ...(q.options || []).flatMap((o) => o.reveal || [])]);
    for (const key of Object.keys(item).sort()) {
      if (asked.has(key)) continue;
      const q = questions.find((x) => x.id === key);
      if (!q) errors.push({ question: `${page.id}[${i}].${key}`, code: "unknown", message: text(form.messages.unknown, language) });
      else if (isAnswered(item[key])) errors.push({ question: `${page.id}[${i}].${key}`, code: "notAsked", message: text(q.messages.notAsked, language) });
    }
  });
  return errors;
}

/** Validates answers against a form. options: {today: "YYYY-MM-DD", language: "en" | "cy"}. */
export function validate(form, answers, options) {
  const language = options.language || "en";
  const opts = { today: options.today, language };
  const errors = [];
  const asked = new Set();
  for (const page of askedPages(form, answers, options.today)) {
    if (page.kind === "exit") {
      errors.push({ question: page.id, code: "exit", message: text(page.title, language) });
      continue;
    }
    if (page.repeat) {
      asked.add(page.id);
      errors.push(...validateRepeat(form, page, answers[page.id], opts));
      continue;
    }
    for (const q of askedQuestions(page, answers)) {
      asked.add(q.id);
      errors.push(...validateQuestion(q, answers[q.id], q.id, opts));
    }
  }
  const questions = allQuestions(form).filter((q) => q.type !== "content");
  const known = new Set([...questions.map((q) => q.id), ...form.pages.filter((p) => p.repeat).map((p) => p.id)]);
  for (const key of Object.keys(answers).sort()) {
    if (asked.has(key)) continue;
    if (!known.has(key)) errors.push({ question: key, code: "unknown", message: text(form.messages.unknown, language) });
    else if (isAnswered(answers[key])) {
      const q = questions.find((x) => x.id === key);
      errors.push({ question: key, code: "notAsked", message: text(q ? q.messages.notAsked : form.messages.notAsked, language) });
    }
  }
  return errors;
}

/** Errors for one page only, as shown when the person presses Continue. */
export function validatePage(form, page, answers, options) {
  const opts = { today: options.today, language: options.language || "en" };
  if (page.repeat) return validateRepeat(form, page, answers[page.id], opts);
  return askedQuestions(page, answers).flatMap((q) => validateQuestion(q, answers[q.id], q.id, opts));
}

/** The answers to send: only questions that were asked, nothing from skipped pages. */
export function payloadAnswers(form, answers, today) {
  const out = {};
  for (const page of askedPages(form, answers, today)) {
    if (page.kind === "exit") continue;
    if (page.repeat) {
      if (page.id in answers) out[page.id] = answers[page.id];
      continue;
    }
    for (const q of askedQuestions(page, answers)) {
      if (q.id in answers && isAnswered(answers[q.id])) out[q.id] = answers[q.id];
    }
  }
  return out;
}

/** The page after `currentId` for these answers, or null at the end. */
export function nextPage(form, answers, currentId, today) {
  const asked = askedPages(form, answers, today);
  const i = asked.findIndex((p) => p.id === currentId);
  return i >= 0 && i + 1 < asked.length ? asked[i + 1] : null;
}

/** The page before `currentId` for these answers, or null at the start. */
export function previousPage(form, answers, currentId, today) {
  const asked = askedPages(form, answers, today);
  const i = asked.findIndex((p) => p.id === currentId);
  return i > 0 ? asked[i - 1] : null;
}

/**
 * The send to keep until it is acknowledged: the previous one (same idempotency key, same
 * time) while the answers are the same, a new one with a new key as soon as they differ, so
 * the API never sees one key with two sets of answers.
 */
export function pendingSend(previous, answers, now, newKey) {
  if (previous && previous.key && JSON.stringify(previous.answers) === JSON.stringify(answers)) return previous;
  return { key: newKey(), at: now, answers };
}

// ----- where it happened (area questions, docs/routing.md) -----

// Lower case, without accents, apostrophes or punctuation: "St. Helen's" and "st helens" match.
export function searchText(text) {
  return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/['’]/g, "").replace(/[^a-z0-9]+/g, " ").trim();
}

// The areas an area question offers that match what was typed, best first: the area's name
// (in either language) starting with it, then a word of the name, then a town of the area,
// then anywhere in a name or town. Each result says the town that found it, if one did.
export function matchAreas(question, typed, limit = 12) {
  const query = searchText(typed);
  if (!query) return [];
  const scored = [];
  for (const option of question.options || []) {
    const names = Object.values(option.label).map(searchText);
    const towns = (option.also || []).map((t) => [t, searchText(t)]);
    let score = null;
    let town = null;
    if (names.some((n) => n.startsWith(query))) score = 0;
    else if (names.some((n) => n.split(" ").some((w) => w.startsWith(query)))) score = 1;
    else {
      const byTown = towns.find(([, t]) => t.startsWith(query) || t.split(" ").some((w) => w.startsWith(query)));
      if (byTown) { score = 2; town = byTown[0]; }
      else if (names.some((n) => n.includes(query))) score = 3;
      else {
        const inside = towns.find(([, t]) => t.includes(query));
        if (inside) { score = 4; town = inside[0]; }
      }
    }
    if (score !== null) scored.push({ option, town, score });
  }
  scored.sort((a, b) => a.score - b.score || searchText(a.option.label.en).localeCompare(searchText(b.option.label.en)));
  return scored.slice(0, limit).map(({ option, town }) => ({ option, town }));
}

// Which force's area the answers say it happened in: { force, area } or null when the form has
// no area question or it is not answered. The API decides for itself; this only tells the person.
export function areaOf(form, answers) {
  for (const page of form.pages) {
    for (const q of page.questions) {
      if (q.type !== "area") continue;
      const option = (q.options || []).find((o) => o.value === answers[q.id]);
      return option ? { force: option.group, area: option, police: (q.groups || {})[option.group] } : null;
    }
  }
  return null;
}
