// Page weight budgets that are sizes, not times: the form runtime must stay small for people on
// slow connections (issue budget: under 15 KB gzipped, runtime and rules together).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const js = (name) => readFileSync(new URL(`../../themes/national/assets/js/${name}`, import.meta.url));

test("the form runtime is under 15 KB gzipped", () => {
  const size = gzipSync(Buffer.concat([js("forms.js"), js("forms-logic.js")]), { level: 9 }).length;
  assert.ok(size < 15 * 1024, `${size} bytes gzipped`);
});

test("the theme's scripts, uploads included and search aside, are within 20 KB gzipped", () => {
  const names = ["site.js", "forms.js", "forms-logic.js", "area-picker.js", "find-force.js", "uploads.js"];
  const size = names.reduce((sum, name) => sum + gzipSync(js(name), { level: 9 }).length, 0);
  assert.ok(size <= 20 * 1024, `${size} bytes gzipped`);
});

test("the site stylesheet is under 20 KB gzipped", () => {
  const css = readFileSync(new URL("../../themes/national/assets/site.css", import.meta.url));
  const size = gzipSync(css, { level: 9 }).length;
  assert.ok(size < 20 * 1024, `${size} bytes gzipped`);
});
