// The shared vectors, run against the browser runtime's validator (Swift runs the same file).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { validate, payloadAnswers, nextPage, previousPage, askedPages, rules, pendingSend } from "../../themes/national/assets/js/forms-logic.js";

const here = new URL("../vectors/", import.meta.url);
const { cases } = JSON.parse(readFileSync(new URL("cases.json", here), "utf8"));
const forms = {};
for (const id of ["types", "required", "conditions"]) {
  forms[id] = JSON.parse(readFileSync(new URL(`forms/${id}.json`, here), "utf8"));
}

test("there are enough vectors", () => {
  assert.ok(cases.length >= 150);
});

for (const c of cases) {
  test(`${c.form}: ${c.name}`, () => {
    const errors = validate(forms[c.form], c.answers, { today: c.today, language: c.language });
    assert.deepEqual(errors.map(({ question, code }) => ({ question, code })), c.errors);
    if (c.messages) assert.deepEqual(errors.map((e) => e.message), c.messages);
    for (const e of errors) assert.notEqual(e.message, "");
  });
}

test("the payload leaves out skipped pages and unasked revealed questions", () => {
  const form = forms.conditions;
  const answers = { danger: "no", kind: "theft", value: "5", insured: "no", detail: "typed before changing my mind", damaged: "window", extra: "" };
  assert.deepEqual(payloadAnswers(form, answers, "2026-06-15"), { danger: "no", kind: "theft", value: "5", insured: "no" });
});

test("navigation follows the conditions", () => {
  const form = forms.conditions;
  const answers = { danger: "no", kind: "theft" };
  assert.equal(nextPage(form, answers, "start", "2026-06-15").id, "theft-page");
  assert.equal(nextPage(form, answers, "theft-page", "2026-06-15").id, "in-page");
  assert.equal(previousPage(form, answers, "in-page", "2026-06-15").id, "theft-page");
  assert.equal(nextPage(form, { danger: "yes" }, "start", "2026-06-15").id, "call-999");
  assert.equal(nextPage(form, { danger: "yes" }, "call-999", "2026-06-15"), null);
  assert.deepEqual(askedPages(form, { danger: "no", kind: "other" }, "2026-06-15").map((p) => p.id), ["start", "not-theft", "any-page", "check"]);
});

test("rules match the documented examples", () => {
  assert.ok(rules.postcode("SW1A 2AA"));
  assert.ok(rules.phone("07700 900 982"));
  assert.ok(!rules.registration("ABCDEFG"));
});

test("a pending send keeps its key while the answers are the same and gets a new one when they change", () => {
  let n = 0;
  const newKey = () => `key-${++n}`;
  const first = pendingSend(undefined, { item: "keys" }, "2026-12-01T10:00:00Z", newKey);
  assert.deepEqual(first, { key: "key-1", at: "2026-12-01T10:00:00Z", answers: { item: "keys" } });
  // Sent again with the same answers (a retry, or Send pressed twice): same key, same time.
  assert.equal(pendingSend(first, { item: "keys" }, "2026-12-01T10:05:00Z", newKey), first);
  // Restored from storage (a copy, not the same object): still the same send.
  assert.equal(pendingSend(JSON.parse(JSON.stringify(first)), { item: "keys" }, "later", newKey).key, "key-1");
  // Corrected after a failed send: a new key, so the API never sees one key with two answer sets.
  const second = pendingSend(first, { item: "car keys" }, "2026-12-01T10:06:00Z", newKey);
  assert.equal(second.key, "key-2");
  assert.deepEqual(second.answers, { item: "car keys" });
  // A pending send from before keys were tied to answers has none: a new one.
  assert.equal(pendingSend({ key: "old", at: "x" }, { item: "keys" }, "now", newKey).key, "key-3");
});

// ----- area questions -----
import { matchAreas, searchText, areaOf } from "../../themes/national/assets/js/forms-logic.js";

const areaQuestion = {
  id: "area", type: "area", label: { en: "Which area?" },
  groups: { kent: { en: "Kent" }, "north-wales": { en: "North Wales", cy: "Gogledd Cymru" }, hampshire: { en: "Hampshire" } },
  options: [
    { value: "medway", label: { en: "Medway" }, group: "kent", also: ["Chatham", "Gillingham", "Rochester"] },
    { value: "maidstone", label: { en: "Maidstone" }, group: "kent" },
    { value: "isle-of-anglesey", label: { en: "Isle of Anglesey", cy: "Ynys Môn" }, group: "north-wales", also: ["Holyhead", "Caergybi"] },
    { value: "isle-of-wight", label: { en: "Isle of Wight" }, group: "hampshire", also: ["Newport (Isle of Wight)", "Ryde"] },
    { value: "kings-lynn-and-west-norfolk", label: { en: "King's Lynn and West Norfolk" }, group: "norfolk", also: ["King's Lynn"] },
  ],
};

test("an area is found by its name, a word of its name, its Welsh name or a town in it", () => {
  const values = (typed) => matchAreas(areaQuestion, typed).map((r) => r.option.value);
  assert.deepEqual(values("maid"), ["maidstone"]);
  assert.deepEqual(values("isle"), ["isle-of-anglesey", "isle-of-wight"]);
  assert.deepEqual(values("wight"), ["isle-of-wight"]);
  assert.deepEqual(values("ynys mon"), ["isle-of-anglesey"]);
  assert.deepEqual(values("  CHATHAM "), ["medway"]);
  assert.equal(matchAreas(areaQuestion, "chat")[0].town, "Chatham");
  assert.deepEqual(values("kings lynn"), ["kings-lynn-and-west-norfolk"]);
  assert.deepEqual(values("newport"), ["isle-of-wight"]);
  assert.deepEqual(values(""), []);
  assert.deepEqual(values("zzz"), []);
  assert.equal(searchText("St. Helen’s"), "st helens");
});

test("the area answered says which force's area it is", () => {
  const form = { pages: [{ id: "where", questions: [areaQuestion] }] };
  assert.equal(areaOf(form, { area: "isle-of-anglesey" }).force, "north-wales");
  assert.equal(areaOf(form, { area: "isle-of-anglesey" }).police.cy, "Gogledd Cymru");
  assert.equal(areaOf(form, { area: "atlantis" }), null);
  assert.equal(areaOf({ pages: [] }, {}), null);
});
