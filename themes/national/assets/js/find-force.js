// The national site's finders (NationalPages): the area list becomes a type-ahead. Choosing an
// area moves nobody anywhere; the button sends the choice to the API, which takes the person
// to the force for that area, as it does without JavaScript.
import { enhanceAreaPicker } from "./area-picker.js";

for (const form of document.querySelectorAll("[data-area-finder]")) {
  const strings = JSON.parse(form.dataset.strings || "{}");
  form.querySelectorAll("select[data-area-picker]").forEach((select) => enhanceAreaPicker(select, strings));
}
