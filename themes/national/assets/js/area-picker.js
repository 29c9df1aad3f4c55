// The area picker: a plain <select> of areas grouped by police area (which works without
// JavaScript) made into a type-ahead that also finds towns, following the combobox pattern of
// WAI-ARIA 1.2 and the GOV.UK accessible autocomplete: the text box has the label, the list
// is a listbox, the highlighted choice is aria-activedescendant, and a polite live region says
// how many areas were found. The select stays in the form, hidden, and carries the answer.
import { matchAreas } from "./forms-logic.js";

const fill = (template, values) => String(template || "").replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));

// The select's choices as an area question: { value, label, group, police, also }.
export function areaQuestionFrom(select) {
  const options = [];
  for (const group of select.querySelectorAll("optgroup")) {
    for (const o of group.querySelectorAll("option")) {
      options.push({
        value: o.value, label: { shown: o.textContent }, group: group.dataset.force, police: group.label,
        also: o.dataset.also ? o.dataset.also.split("|") : [],
      });
    }
  }
  return { options };
}

export function enhanceAreaPicker(select, strings = {}, onChoose = () => {}) {
  if (select.dataset.enhanced) return null;
  select.dataset.enhanced = "true";
  const question = areaQuestionFrom(select);
  const id = select.id;
  select.id = `${id}-select`;
  select.hidden = true;
  select.setAttribute("aria-hidden", "true");
  select.tabIndex = -1;

  const wrapper = document.createElement("div");
  wrapper.className = "area-picker";
  const input = document.createElement("input");
  input.className = "input area-picker__input";
  input.id = id;
  input.type = "text";
  input.autocomplete = "off";
  input.spellcheck = false;
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", `${id}-listbox`);
  const help = document.createElement("p");
  help.className = "visually-hidden";
  help.id = `${id}-help`;
  help.textContent = strings.areaPickerHelp || "";
  const described = [select.getAttribute("aria-describedby"), help.id].filter(Boolean).join(" ");
  input.setAttribute("aria-describedby", described);
  const list = document.createElement("ul");
  list.className = "area-picker__list";
  list.id = `${id}-listbox`;
  list.setAttribute("role", "listbox");
  list.hidden = true;
  const status = document.createElement("div");
  status.className = "visually-hidden";
  status.setAttribute("role", "status");
  status.setAttribute("aria-live", "polite");
  wrapper.append(input, help, list, status);
  select.before(wrapper);

  let results = [];
  let active = -1;
  const labelOf = (value) => question.options.find((o) => o.value === value);
  const shown = (o) => (o ? o.label.shown : "");

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (index >= 0 && list.children[index]) {
      input.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView?.({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function choose(option) {
    select.value = option ? option.value : "";
    input.value = shown(option);
    close();
    select.dispatchEvent(new Event("change", { bubbles: true }));
    onChoose(option || null);
  }

  function update() {
    results = matchAreas(question, input.value);
    list.textContent = "";
    results.forEach(({ option, town }, i) => {
      const li = document.createElement("li");
      li.id = `${id}-option-${i}`;
      li.className = "area-picker__option";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const name = town ? fill(strings.areaPickerInArea, { town, area: option.label.shown }) : option.label.shown;
      li.textContent = fill(strings.areaPickerOption, { area: name, police: option.police });
      li.addEventListener("mousedown", (e) => e.preventDefault());
      li.addEventListener("click", () => { choose(option); input.focus(); });
      list.append(li);
    });
    const open = input.value.trim() !== "";
    list.hidden = !open || results.length === 0;
    input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
    highlight(-1);
    status.textContent = !open ? "" : results.length ? fill(strings.areaPickerResults, { count: results.length }) : strings.areaPickerNoResults || "";
  }

  input.addEventListener("input", () => {
    // What is typed is not an answer until an area is chosen.
    if (select.value && input.value !== shown(labelOf(select.value))) {
      select.value = "";
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    update();
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "ArrowDown") {
      e.preventDefault();
      if (list.hidden) update();
      if (results.length) highlight(Math.min(active + 1, results.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      if (results.length) highlight(Math.max(active - 1, 0));
    } else if (e.key === "Enter" && !list.hidden) {
      // Enter chooses; it sends the page only when no list is open.
      e.preventDefault();
      choose(results[active >= 0 ? active : 0]?.option);
    } else if (e.key === "Escape" && !list.hidden) {
      e.preventDefault();
      close();
    }
  });
  input.addEventListener("blur", () => {
    // A name typed in full (in any case) is a choice; anything else leaves no answer.
    if (!select.value) {
      const typed = input.value.trim().toLowerCase();
      const exact = question.options.find((o) => o.label.shown.toLowerCase() === typed);
      if (exact) choose(exact);
    }
    close();
  });
  // The runtime restored a draft or went back to the page: show the chosen area's name.
  select.addEventListener("soh:set", () => { input.value = shown(labelOf(select.value)); });
  input.value = shown(labelOf(select.value));
  return input;
}
