// The pure logic of site search: the terms of a query, which index chunks hold them, and the
// ranking. No DOM here, so `node --test` runs it. Sources/SOHBuild/Search/SearchTerms.swift
// makes the index's terms by the same rules; Tests/vectors/search-terms.json proves they agree.

const STOP = {
  en: new Set(["the", "and", "of", "to", "in", "for", "on", "is", "it", "or", "be", "are", "as", "at", "by", "an", "with",
    "this", "that", "from", "your", "you", "we", "our", "us", "can", "if", "not", "have", "has", "will", "do", "what", "how"]),
  cy: new Set(["a", "ac", "ar", "am", "i", "o", "y", "yr", "yn", "eich", "chi", "ni", "ein", "mae", "bod", "os", "neu", "gan", "at", "yw", "ei", "na", "nad", "sy", "sydd"]),
};

const length = (s) => [...s].length;

/** Words of a text: runs of letters and digits, lower case, accents taken off. */
export function words(text) {
  const folded = text.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  return folded.match(/[\p{Alphabetic}\p{N}]+/gu) ?? [];
}

/** A light English stemmer: plurals and the commonest verb endings. */
export function stem(word) {
  const n = length(word);
  if (n > 4 && word.endsWith("ies")) return word.slice(0, -3) + "y";
  if (n > 4 && word.endsWith("sses")) return word.slice(0, -2);
  if (n > 3 && word.endsWith("s") && !word.endsWith("ss") && !word.endsWith("us") && !word.endsWith("is")) return word.slice(0, -1);
  if (n > 5 && word.endsWith("ing")) return word.slice(0, -3);
  if (n > 4 && word.endsWith("ed")) return word.slice(0, -2);
  return word;
}

/** The terms of a text in a language: words without stop words, stemmed in English. */
export function terms(text, language) {
  const stop = STOP[language] ?? new Set();
  return words(text).filter((w) => length(w) > 1 && !stop.has(w)).map((w) => (language === "en" ? stem(w) : w));
}

/**
 * What to look up for a query: each term, and whether the last one may be the start of a
 * longer word (the person is still typing it: no space after it, three letters or more).
 */
export function query(text, language) {
  const list = terms(text, language);
  const last = words(text).at(-1);
  const typing = last !== undefined && !/[\s\p{P}]$/u.test(text) && length(last) >= 3 && !STOP[language]?.has(last);
  // The last term is the last word's, put last so that the prefix goes with it.
  const unique = [...new Set(list)];
  if (typing) {
    const own = language === "en" ? stem(last) : last;
    unique.splice(unique.indexOf(own), 1);
    unique.push(own);
  }
  return { terms: unique, prefix: typing ? last : null };
}

/** The chunks (`[firstTerm, url]`, in term order) that may hold terms from `low` to `high`. */
export function chunksFor(chunks, low, high = low) {
  let first = 0;
  for (let i = 0; i < chunks.length; i++) if (chunks[i][0] <= low) first = i;
  const found = [];
  for (let i = first; i < chunks.length && (i === first || chunks[i][0] <= high); i++) found.push(chunks[i][1]);
  return found;
}

/** Orders hits: more of the query's terms, then more of them whole words, then the higher score. */
export const better = (a, b) => b.terms - a.terms || b.exact - a.exact || b.score - a.score;

/**
 * Ranks documents. `matches` holds, for each query term, a Map of document → [score, exact]:
 * the best score of the index terms it matched, and whether one was the whole word rather than
 * a longer word it begins. `hidden` documents are left out.
 */
export function rank(matches, hidden = new Set(), limit = 10) {
  const found = new Map();
  for (const scores of matches) {
    for (const [doc, [score, exact]] of scores) {
      if (hidden.has(doc)) continue;
      const entry = found.get(doc) ?? { doc, terms: 0, exact: 0, score: 0 };
      entry.terms += 1;
      entry.exact += exact ? 1 : 0;
      entry.score += score;
      found.set(doc, entry);
    }
  }
  const all = [...found.values()].sort((a, b) => better(a, b) || a.doc - b.doc);
  return { total: all.length, top: all.slice(0, limit) };
}

/** Fills `{{name}}` in a national page's title or summary with the force's values. */
export function fill(text, values) {
  return text.replace(/\{\{([A-Za-z0-9_.]+)\}\}/g, (_, name) => values[name] ?? "");
}
