// Progressive enhancement of the search page (docs/search.md). Without JavaScript the page
// offers the list of every page; with it, the box searches the site's own index, fetching only
// the chunks of the words typed and the documents shown.
import { query, chunksFor, rank, better, fill } from "./search-logic.js";

const form = document.querySelector("[data-search-index]");
if (form) start(form);

function start(form) {
  const input = form.querySelector("input[type=search]");
  const status = document.querySelector("[data-search-status]");
  const list = document.querySelector("[data-search-results]");
  const language = document.documentElement.lang || "en";
  const say = form.dataset;
  const cache = new Map();
  const get = (url) => {
    if (!cache.has(url)) cache.set(url, fetch(url).then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.status)))));
    return cache.get(url);
  };
  for (const element of document.querySelectorAll("[data-search-nojs]")) element.hidden = true;
  let manifest = null;
  let latest = 0;
  let timer;

  async function search(text, announce) {
    const run = ++latest;
    const q = query(text, language);
    if (q.terms.length === 0) {
      list.hidden = true;
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    manifest ??= await get(form.dataset.searchIndex);
    const results = [];
    let total = 0;
    for (const [number, part] of manifest.parts.entries()) {
      const hidden = new Set(number === 0 ? manifest.hidden : []);
      const matches = await Promise.all(q.terms.map(async (term, i) => {
        const last = i === q.terms.length - 1 && q.prefix;
        const low = last ? (term < q.prefix ? term : q.prefix) : term;
        const high = last ? q.prefix + "\uffff" : term;
        const scores = new Map();
        for (const url of chunksFor(part.chunks, low, high)) {
          for (const [indexed, postings] of await get(url)) {
            const exact = indexed === term;
            if (!exact && !(last && indexed.startsWith(q.prefix))) continue;
            for (let j = 0; j < postings.length; j += 2) {
              const [score, whole] = scores.get(postings[j]) ?? [0, false];
              scores.set(postings[j], [Math.max(score, postings[j + 1]), whole || exact]);
            }
          }
        }
        return scores;
      }));
      const ranked = rank(matches, hidden);
      total += ranked.total;
      for (const hit of ranked.top) results.push({ ...hit, part, number });
    }
    results.sort((a, b) => better(a, b) || a.number - b.number || a.doc - b.doc);
    const shown = await Promise.all(results.slice(0, 10).map(async (hit) => {
      const rows = await get(hit.part.documents[Math.floor(hit.doc / manifest.perFile)]);
      return rows[hit.doc % manifest.perFile];
    }));
    if (run !== latest) return;
    list.replaceChildren(...shown.map(([url, title, summary]) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = url;
      link.textContent = fill(title, manifest.values);
      const heading = document.createElement("h2");
      heading.className = "search-results__title";
      heading.append(link);
      item.append(heading);
      if (summary) {
        const p = document.createElement("p");
        p.textContent = fill(summary, manifest.values);
        item.append(p);
      }
      return item;
    }));
    list.hidden = shown.length === 0;
    const words = { n: String(total), query: text.trim() };
    const template = total === 0 ? say.none : total === 1 ? say.one : say.many;
    if (announce || status.textContent !== "") status.textContent = (template || "").replace(/\{(\w+)\}/g, (_, k) => words[k] ?? "");
  }

  const fail = () => { status.textContent = say.failed || ""; };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    // Searched and announced once the person pauses, not on every key.
    timer = setTimeout(() => search(input.value, true).catch(fail), 400);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    const url = new URL(window.location.href);
    url.searchParams.set("q", input.value);
    history.replaceState(null, "", url);
    search(input.value, true).catch(fail);
  });
  const initial = new URL(window.location.href).searchParams.get("q");
  if (initial) {
    input.value = initial;
    search(initial, true).catch(fail);
  }
}
