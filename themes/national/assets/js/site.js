// Progressive enhancement for every page. Without JavaScript the quick exit is a plain link.
const QUICK_EXIT_URL = "https://www.bbc.co.uk/weather";

/** Forgets every form draft and unsent report this site kept, in this tab and on the device. */
export function forgetDrafts() {
  for (const name of ["sessionStorage", "localStorage"]) {
    try {
      const storage = window[name];
      for (const key of Object.keys(storage)) if (key.startsWith("soh-")) storage.removeItem(key);
    } catch { /* storage blocked: nothing was kept there */ }
  }
}

function leave() {
  forgetDrafts();
  // replace() so that Back does not return to the page that was left.
  window.location.replace(QUICK_EXIT_URL);
}

function setUpQuickExit() {
  const button = document.querySelector("[data-quick-exit]");
  if (!button) return;
  button.addEventListener("click", (event) => {
    event.preventDefault();
    document.body.hidden = true;
    leave();
  });
  let presses = 0;
  let timer;
  // Only Shift pressed on its own counts: typing capitals ("TN23 1AA") presses Shift with other
  // keys, and must never throw someone out of the form they are filling in.
  let combined = false;
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Shift" && event.shiftKey) combined = true;
    if (event.key !== "Shift") presses = 0;
  });
  document.addEventListener("keyup", (event) => {
    if (event.key !== "Shift") return;
    if (combined) { combined = false; presses = 0; return; }
    presses += 1;
    clearTimeout(timer);
    timer = setTimeout(() => { presses = 0; }, 1000);
    if (presses >= 3) {
      document.body.hidden = true;
      leave();
    }
  });
}

setUpQuickExit();
