"""The copy to keep (issue 31): the confirmation page offers a copy of the report, made in the
browser from the answers that were sent, printed here to PDF by Chromium itself (DevTools
Page.printToPDF) and read back with pypdf. Nothing is sent anywhere to make it, and the quick
exit forgets it with everything else the site kept."""
import base64
import io
import re
import unicodedata

from pypdf import PdfReader
from selenium.webdriver.common.by import By

from conftest import wait_for, describe, run_axe
from test_forms import cont, found_property_ready_to_send, go_to_page

KEPT = """
return ['sessionStorage', 'localStorage'].flatMap(name =>
  Object.keys(window[name]).filter(k => k.startsWith('soh-')).map(k => name + ':' + k));
"""
ROWS = """
return [...document.querySelectorAll('[data-check-answers] .summary-list__row')]
  .map(r => [r.querySelector('.summary-list__key').textContent, r.querySelector('.summary-list__value').textContent]);
"""


def pdf_text(browser):
    """The page as Chromium prints it (print stylesheet, A4), as text with spaces made single."""
    printed = browser.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})
    reader = PdfReader(io.BytesIO(base64.b64decode(printed["data"])))
    text = " ".join(page.extract_text() for page in reader.pages)
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))  # NFKC: the "ﬁ" ligature is "fi"


def flat(text):
    return re.sub(r"\s+", " ", text).strip()


def send_found_property(browser, base, api):
    """Sends a found-property report; returns the check-answers rows as the person saw them."""
    found_property_ready_to_send(browser, base)
    browser.find_element(By.CSS_SELECTOR, ".back-link").click()
    go_to_page(browser, "Check your answers")
    rows = browser.execute_script(ROWS)
    assert len(rows) >= 8, rows
    cont(browser)
    go_to_page(browser, "Send your report")
    cont(browser)
    assert wait_for(lambda: "/confirmation/" in browser.current_url), browser.current_url
    reference = browser.find_element(By.CSS_SELECTOR, "[data-reference]")
    assert wait_for(lambda: reference.text.startswith("TST-"))
    return rows, reference.text


def test_the_copy_prints_the_reference_and_every_answer(browser, form_site, api):
    base = form_site("kent")
    before = len(api.requests)
    rows, reference = send_found_property(browser, base, api)
    sent = len(api.requests)

    offer = browser.find_element(By.CSS_SELECTOR, "[data-copy-print]")
    assert offer.is_displayed() and offer.text == "Save or print a copy of your report"
    # On screen the answers stay out of sight; the copy is for paper or a PDF.
    assert not browser.find_element(By.CSS_SELECTOR, "[data-copy-answers]").is_displayed()
    violations = run_axe(browser)
    assert violations == [], describe(violations)

    text = pdf_text(browser)
    assert reference in text
    assert "Report found property" in text and "A copy of your report" in text
    assert "Kent Police" in text  # the force's header, with its logo
    for question, answer in rows:
        assert flat(question) in text, (question, text[:3000])
        assert flat(answer) in text, (answer, text)
    assert re.search(r"Sent \d{1,2} [A-Z][a-z]+ 20\d\d at \d\d:\d\d", text), text
    # One clean document: no buttons, navigation or the screen's explanation.
    assert "Save or print" not in text and "Skip to main content" not in text
    assert "It is kept only until you close this tab" not in text
    # Nothing was sent to make it: the API saw the report and nothing after.
    assert len(api.requests) == sent and sent - before >= 1

    # The button prints the same page (window.print, answered at once in headless Chromium).
    browser.execute_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    offer.click()
    assert browser.execute_script("return window.__printed") == 1


def test_the_copy_is_only_for_its_own_reference(browser, form_site, api):
    base = form_site("kent")
    _, reference = send_found_property(browser, base, api)
    confirmation = browser.current_url.split("?")[0]
    browser.get(f"{confirmation}?reference=TST-9999")
    assert wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "[data-reference]").text == "TST-9999")
    assert not browser.find_element(By.CSS_SELECTOR, "[data-report-copy]").is_displayed()
    assert "A set of keys" not in pdf_text(browser)
    browser.get(f"{confirmation}?reference={reference}")
    assert wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "[data-copy-print]").is_displayed())


def test_quick_exit_forgets_the_copy(browser, form_site, api):
    base = form_site("kent")
    send_found_property(browser, base, api)
    assert browser.execute_script(KEPT) == ["sessionStorage:soh-copy"]
    browser.get(base + "/advice/domestic-abuse/")
    browser.find_element(By.CSS_SELECTOR, "[data-quick-exit]").click()
    assert wait_for(lambda: browser.current_url.startswith("https://www.bbc.co.uk/weather")), browser.current_url
    browser.get(base + "/")
    assert browser.execute_script(KEPT) == []
