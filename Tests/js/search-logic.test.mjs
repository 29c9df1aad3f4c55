// The search runtime's pure logic (themes/national/assets/js/search-logic.js): the same terms as
// the Swift index (Tests/vectors/search-terms.json), chunk lookup, ranking and filling.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { terms, query, chunksFor, rank, fill } from "../../themes/national/assets/js/search-logic.js";

const vectors = JSON.parse(readFileSync(new URL("../vectors/search-terms.json", import.meta.url)));

test("terms are the Swift index's terms for every shared vector", () => {
  assert.ok(vectors.length >= 10);
  for (const v of vectors) assert.deepEqual(terms(v.text, v.language), v.terms, v.text);
});

test("the last word, still being typed, is also a prefix; not after a space or a stop word", () => {
  assert.deepEqual(query("stolen burgl", "en"), { terms: ["stolen", "burgl"], prefix: "burgl" });
  assert.deepEqual(query("stolen burgl ", "en").prefix, null);
  assert.deepEqual(query("report the", "en"), { terms: ["report"], prefix: null });
  assert.deepEqual(query("bikes", "en"), { terms: ["bike"], prefix: "bikes" });
  assert.deepEqual(query("ca", "en").prefix, null, "two letters are not enough");
  assert.deepEqual(query("   ", "en").terms, []);
});

test("chunks are found by their first terms, a range across several", () => {
  const chunks = [["", "/a"], ["dog", "/b"], ["fox", "/c"], ["zebra", "/d"]];
  assert.deepEqual(chunksFor(chunks, "cat"), ["/a"]);
  assert.deepEqual(chunksFor(chunks, "dog"), ["/b"]);
  assert.deepEqual(chunksFor(chunks, "fo", "fo\uffff"), ["/b", "/c"]);
  assert.deepEqual(chunksFor(chunks, "zz"), ["/d"]);
  assert.deepEqual(chunksFor([], "x"), []);
});

test("documents matching more words rank first, then whole words, then by score; hidden ones never", () => {
  const bike = new Map([[1, [50, true]], [2, [900, true]], [3, [40, true]]]);
  const theft = new Map([[1, [30, true]], [3, [60, true]], [4, [99, true]]]);
  const ranked = rank([bike, theft], new Set([3]));
  assert.deepEqual(ranked.top.map((r) => r.doc), [1, 2, 4]);
  assert.equal(ranked.total, 3);
  assert.equal(rank([bike], new Set(), 2).top.length, 2);
  // "trosedd" typed: a page with the word itself before one with "troseddau", whatever the scores.
  const typed = new Map([[7, [795, false]], [8, [312, true]]]);
  assert.deepEqual(rank([typed]).top.map((r) => r.doc), [8, 7]);
});

test("national titles take the force's values", () => {
  assert.equal(fill("News from {{force.name}}", { "force.name": "Kent Police" }), "News from Kent Police");
  assert.equal(fill("{{unknown}} page", {}), " page");
});

test("the search scripts are within 6 KB gzipped", () => {
  const js = (name) => readFileSync(new URL(`../../themes/national/assets/js/${name}`, import.meta.url));
  const size = gzipSync(Buffer.concat([js("search.js"), js("search-logic.js")]), { level: 9 }).length;
  assert.ok(size <= 6 * 1024, `${size} bytes gzipped`);
  for (const name of ["search.js", "search-logic.js"]) {
    const text = js(name).toString();
    assert.ok(!/\beval\(|new Function|WebAssembly/.test(text), `${name} uses no eval or WebAssembly`);
  }
});
