// Valid answers for a form definition (JSON, on standard input), as a person would give them:
// follows the conditions with forms-logic.js, avoids exit pages, answers every asked question.
// Prints the answers as JSON. Used by the delivery tests to send every form.
import { readFileSync } from "node:fs";
import { askedPages } from "../../themes/national/assets/js/forms-logic.js";

const form = JSON.parse(readFileSync(0, "utf8"));
// Where it happened: an area of this force (the first argument), so the report stays with it.
const force = process.argv[2] || "kent";
const today = "2026-06-15";

function value(q) {
  switch (q.type) {
    case "content": return undefined;
    case "text": case "textarea": return "Sample answer";
    case "email": return "sam@example.com";
    case "phone": return "07700 900982";
    case "postcode": return "SW1A 2AA";
    case "number": return String(Math.max(q.min ?? 1, 1));
    case "date": return { day: "1", month: "2", year: q.dateRule?.future ? "2099" : "1990" };
    case "time": return "14:30";
    case "radios": case "select": return q.options?.[0]?.value;
    case "area": return (q.options.find((o) => o.group === force) || q.options[0]).value;
    case "checkboxes": return q.required ? [q.options[q.options.length - 1].value] : undefined;
    case "yes-no": return "no";
    case "address": return { line1: "1 High Street", town: "Leeds", postcode: "LS1 1AA" };
    case "registration": return "AB12 CDE";
    case "declaration": return "yes";
    default: return undefined;
  }
}

const answers = {};
for (const page of form.pages) {
  const asked = askedPages(form, answers, today);
  if (!asked.some((p) => p.id === page.id) || page.kind === "exit") continue;
  if (page.repeat) {
    const item = {};
    for (const q of page.questions) { const v = value(q); if (v !== undefined) item[q.id] = v; }
    answers[page.id] = [item];
    continue;
  }
  for (const q of page.questions) {
    const v = value(q);
    if (v === undefined) continue;
    answers[q.id] = v;
    const chosen = (q.options || []).find((o) => o.value === v);
    for (const r of chosen?.reveal || []) { const rv = value(r); if (rv !== undefined) answers[r.id] = rv; }
  }
}
process.stdout.write(JSON.stringify(answers));
