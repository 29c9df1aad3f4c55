"""The form runtime in a real browser: one page at a time, errors, branches, repeats, check
answers, sending with an Idempotency-Key and retrying; and the same form without JavaScript."""
import json
import time
import urllib.parse

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import wait_for, describe, run_axe




def heading(b):
    return b.find_element(By.CSS_SELECTOR, "h1").text


def go_to_page(b, title):
    assert wait_for(lambda: heading(b) == title), f"expected page {title!r}, on {heading(b)!r}"


def cont(b):
    b.find_element(By.CSS_SELECTOR, "[data-submit]").click()


def fill(b, element_id, text):
    el = b.find_element(By.ID, element_id)
    el.clear()
    el.send_keys(text)


def choose(b, element_id):
    b.find_element(By.ID, element_id).click()


def date(b, prefix, d, m, y):
    fill(b, f"{prefix}-day", d)
    fill(b, f"{prefix}-month", m)
    fill(b, f"{prefix}-year", y)


def address(b, prefix, line1, town, postcode):
    fill(b, f"{prefix}-line1", line1)
    fill(b, f"{prefix}-town", town)
    fill(b, f"{prefix}-postcode", postcode)


def pick_area(b, typed, expect_value):
    """The area type-ahead: type, then the arrow key and Enter choose the first match."""
    box = b.find_element(By.ID, "q-area")
    assert box.get_attribute("role") == "combobox"
    box.clear()
    box.send_keys(typed)
    listbox = b.find_element(By.ID, "q-area-listbox")
    assert wait_for(lambda: listbox.is_displayed())
    box.send_keys(Keys.ARROW_DOWN)
    assert box.get_attribute("aria-activedescendant") == "q-area-option-0"
    box.send_keys(Keys.ENTER)
    assert wait_for(lambda: not listbox.is_displayed())
    assert b.execute_script("return document.getElementById('q-area-select').value") == expect_value


def assert_accessible(b):
    violations = run_axe(b)
    assert violations == [], describe(violations)


def about_you(b):
    go_to_page(b, "About you")
    fill(b, "q-full-name", "Sam Jones")
    fill(b, "q-email", "sam@example.com")
    fill(b, "q-phone", "07700 900 982")
    address(b, "q-home-address", "1 High Street", "Maidstone", "ME14 1XX")
    cont(b)


def test_crime_form_with_javascript(browser, form_site, api):
    base = form_site("kent")
    browser.get(base + "/report/crime/")
    browser.find_element(By.LINK_TEXT, "Start now →").click() if browser.find_elements(By.LINK_TEXT, "Start now →") else \
        browser.find_element(By.CSS_SELECTOR, ".button--start").click()
    go_to_page(browser, "Is anyone in danger now?")
    assert "caption" in browser.find_element(By.CSS_SELECTOR, "[data-form-caption]").get_attribute("class")
    assert_accessible(browser)

    # An error: the summary takes focus and links to the field.
    cont(browser)
    summary = browser.find_element(By.CSS_SELECTOR, "[data-error-summary]")
    assert wait_for(lambda: summary.is_displayed())
    assert browser.switch_to.active_element == summary
    assert "Select whether anyone is in danger now" in summary.text
    assert browser.title.startswith("Error: ")
    group = browser.find_element(By.CSS_SELECTOR, "[data-question='in-danger']")
    assert "form-group--error" in group.get_attribute("class")
    assert "q-in-danger-error" in group.find_element(By.TAG_NAME, "fieldset").get_attribute("aria-describedby")
    assert_accessible(browser)

    choose(browser, "q-in-danger-2")  # No
    cont(browser)
    go_to_page(browser, "What happened")
    # A branch: "Damage" reveals a follow-up question.
    revealed = browser.find_element(By.ID, "q-crime-type-2-reveal")
    assert not revealed.is_displayed()
    choose(browser, "q-crime-type-2")
    assert revealed.is_displayed()
    assert_accessible(browser)
    fill(browser, "q-damaged-property", "Car window")
    date(browser, "q-happened-on", "3", "2", "2026")
    fill(browser, "q-description", "Someone smashed my car window overnight.")
    count = browser.find_element(By.ID, "q-description-count").text
    assert count.startswith("You have ") and count.endswith(" characters remaining")
    cont(browser)
    go_to_page(browser, "Where did it happen?")
    # Continuing with a town typed but no area chosen is an error on the area.
    fill(browser, "q-area", "Ashfo")
    address(browser, "q-location", "2 Station Road", "Ashford", "TN23 1AA")
    cont(browser)
    assert wait_for(lambda: "Select the area where it happened" in browser.find_element(By.CSS_SELECTOR, "[data-error-summary]").text)
    pick_area(browser, "Ashfo", "ashford")
    assert_accessible(browser)
    cont(browser)
    # "What was stolen" is skipped for damage.
    go_to_page(browser, "The person who did it")
    choose(browser, "q-has-suspect-1")
    cont(browser)
    go_to_page(browser, "Describe the person")
    cont(browser)  # the repeat's error state
    assert wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "[data-error-summary]").is_displayed())
    assert_accessible(browser)
    # A repeat: add a second person.
    fill(browser, "q-suspects-0-suspect-description", "Tall, red coat")
    browser.find_element(By.CSS_SELECTOR, "[data-repeat-add]").click()
    fill(browser, "q-suspects-1-suspect-name", "Alex")
    fill(browser, "q-suspects-1-suspect-description", "Short, blue cap")
    cont(browser)
    about_you(browser)
    go_to_page(browser, "Check your answers")
    rows = browser.find_element(By.CSS_SELECTOR, "[data-check-answers]").text
    assert "Car window" in rows and "Short, blue cap" in rows and "Maidstone" in rows and "3 February 2026" in rows
    assert "Ashford (Kent)" in rows
    # Kent's own area: no word of another force.
    assert not [p for p in browser.find_elements(By.CSS_SELECTOR, "[data-elsewhere]") if p.is_displayed()]
    assert_accessible(browser)

    # Change an answer from check answers, and come back to it.
    links = browser.find_elements(By.LINK_TEXT, "Change") or browser.find_elements(By.PARTIAL_LINK_TEXT, "Change")
    change = [a for a in links if "Full name" in a.text][0]
    change.click()
    go_to_page(browser, "About you")
    fill(browser, "q-full-name", "Sam A Jones")
    cont(browser)
    go_to_page(browser, "Check your answers")
    assert "Sam A Jones" in browser.find_element(By.CSS_SELECTOR, "[data-check-answers]").text

    # Back works with browser history.
    browser.back()
    go_to_page(browser, "About you")
    browser.forward()
    go_to_page(browser, "Check your answers")
    cont(browser)
    go_to_page(browser, "Send your report")
    assert browser.find_element(By.CSS_SELECTOR, "[data-submit]").text == "Send"
    cont(browser)  # the declaration's error state
    assert wait_for(lambda: "Confirm that the information you have given is true" in browser.find_element(By.CSS_SELECTOR, "[data-error-summary]").text)
    assert_accessible(browser)
    choose(browser, "q-confirm")
    before = len(api.requests)
    cont(browser)
    assert wait_for(lambda: "/confirmation/" in browser.current_url), browser.current_url
    reference = browser.find_element(By.CSS_SELECTOR, "[data-reference]")
    assert wait_for(lambda: reference.text.startswith("TST-"))
    assert_accessible(browser)

    posts = [r for r in api.requests[before:] if r["type"] == "application/json"]
    assert len(posts) == 1
    body = posts[0]["body"]
    assert posts[0]["key"]
    assert body["form"] == "crime" and body["version"] == 4 and body["language"] == "en"
    answers = body["answers"]
    assert answers["crime-type"] == "damage" and answers["damaged-property"] == "Car window"
    assert [s.get("suspect-name") for s in answers["suspects"]] == [None, "Alex"]
    assert "stolen-items" not in answers and "other-type" not in answers
    # The draft is cleared once sent, wherever it was kept; what is left is the copy to keep, in
    # this tab only, and the confirmation shows no answers on screen (they are for printing).
    assert browser.execute_script(
        "return [sessionStorage, localStorage].flatMap(s => Object.keys(s).map(k => (s === sessionStorage ? 's:' : 'l:') + k))"
        ".filter(k => k.includes('soh-'))") == ["s:soh-copy"]
    shown = browser.find_element(By.TAG_NAME, "main").text
    assert "Car window" not in shown and "Alex" not in shown
    assert browser.find_element(By.CSS_SELECTOR, "[data-copy-print]").is_displayed()


def test_crime_form_in_welsh(browser, form_site, api):
    """A Welsh force's Welsh form: every label, message and button in Welsh, posted with language cy."""
    base = form_site("south-wales")
    browser.get(base + "/cy/rhoi-gwybod/trosedd/")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "cy"
    browser.find_element(By.CSS_SELECTOR, ".button--start").click()
    go_to_page(browser, "A oes unrhyw un mewn perygl nawr?")
    assert browser.find_element(By.CSS_SELECTOR, "[data-submit]").text == "Parhau"
    cont(browser)
    summary = browser.find_element(By.CSS_SELECTOR, "[data-error-summary]")
    assert wait_for(lambda: summary.is_displayed())
    assert "Dewiswch a oes unrhyw un mewn perygl nawr" in summary.text
    assert browser.title.startswith("Gwall: ")
    assert_accessible(browser)
    choose(browser, "q-in-danger-2")
    cont(browser)
    go_to_page(browser, "Beth ddigwyddodd")
    assert "Lladrad" in browser.find_element(By.CSS_SELECTOR, "[data-question='crime-type']").text
    choose(browser, "q-crime-type-1")  # Lladrad
    date(browser, "q-happened-on", "31", "2", "2026")
    fill(browser, "q-description", "Cafodd fy meic ei ddwyn o'r tu allan i'r siop.")
    cont(browser)
    # A Welsh validation message from the shared rules.
    assert wait_for(lambda: "Rhaid i'r dyddiad y digwyddodd fod yn ddyddiad go iawn" in browser.find_element(By.CSS_SELECTOR, "[data-error-summary]").text)
    date(browser, "q-happened-on", "3", "2", "2026")
    cont(browser)
    go_to_page(browser, "Ble digwyddodd?")
    pick_area(browser, "Caerd", "cardiff")
    address(browser, "q-location", "2 Heol y Frenhines", "Caerdydd", "CF10 2BU")
    cont(browser)
    go_to_page(browser, "Beth gafodd ei ddwyn")
    fill(browser, "q-stolen-items", "Beic glas Raleigh")
    cont(browser)
    go_to_page(browser, "Y person a'i gwnaeth")
    choose(browser, "q-has-suspect-2")
    cont(browser)
    go_to_page(browser, "Amdanoch chi")
    fill(browser, "q-full-name", "Siân Jones")
    fill(browser, "q-email", "sian@example.com")
    address(browser, "q-home-address", "1 Stryd Fawr", "Caerdydd", "CF10 1AA")
    cont(browser)
    go_to_page(browser, "Gwirio eich atebion")
    rows = browser.find_element(By.CSS_SELECTOR, "[data-check-answers]").text
    assert "Beic glas Raleigh" in rows and "Newid" in rows and "3 Chwefror 2026" in rows
    assert_accessible(browser)
    cont(browser)
    go_to_page(browser, "Anfon eich adroddiad")
    assert browser.find_element(By.CSS_SELECTOR, "[data-submit]").text == "Anfon"
    choose(browser, "q-confirm")
    before = len(api.requests)
    cont(browser)
    assert wait_for(lambda: "/cy/rhoi-gwybod/trosedd/form/confirmation/" in browser.current_url), browser.current_url
    assert heading(browser) == "Adroddiad wedi'i anfon"
    assert_accessible(browser)
    posts = [r for r in api.requests[before:] if r["type"] == "application/json"]
    assert len(posts) == 1 and posts[0]["body"]["language"] == "cy"
    assert posts[0]["body"]["answers"]["crime-type"] == "theft"


def test_collision_form_with_javascript(browser, form_site, api):
    base = form_site("kent")
    browser.get(base + "/report/road-traffic-collision/form/")
    go_to_page(browser, "Does anyone need help now?")
    choose(browser, "q-urgent-2")
    cont(browser)
    go_to_page(browser, "The collision")
    date(browser, "q-collision-date", "1", "3", "2026")
    fill(browser, "q-collision-time", "8:15am")
    pick_area(browser, "Maidst", "maidstone")
    fill(browser, "q-collision-location", "A20 at the Leeds Castle roundabout")
    fill(browser, "q-collision-description", "The other car pulled out.")
    cont(browser)
    go_to_page(browser, "Injuries")
    choose(browser, "q-anyone-injured-1")
    cont(browser)
    go_to_page(browser, "About the injuries")
    cont(browser)  # errors on every question of the page
    assert wait_for(lambda: len(browser.find_elements(By.CSS_SELECTOR, ".error-summary__list li")) == 3)
    choose(browser, "q-injured-who-1")
    choose(browser, "q-injured-who-4")
    fill(browser, "q-injury-description", "Whiplash")
    choose(browser, "q-hospital-2")
    cont(browser)
    go_to_page(browser, "Vehicles involved")
    fill(browser, "q-vehicles-0-registration", "AB12 CDE")
    browser.find_element(By.CSS_SELECTOR, "[data-repeat='vehicles'] [data-repeat-add]").click()
    fill(browser, "q-vehicles-1-registration", "not a plate!")
    cont(browser)
    assert wait_for(lambda: "Enter a vehicle registration" in browser.find_element(By.CSS_SELECTOR, "[data-error-summary]").text)
    fill(browser, "q-vehicles-1-registration", "CD34 EFG")
    cont(browser)
    go_to_page(browser, "Witnesses")
    choose(browser, "q-has-witnesses-2")
    cont(browser)
    go_to_page(browser, "About you")
    fill(browser, "q-full-name", "Sam Jones")
    choose(browser, "q-driver-role-1")
    fill(browser, "q-email", "sam@example.com")
    fill(browser, "q-phone", "01632 960 001")
    address(browser, "q-home-address", "1 High Street", "Maidstone", "ME14 1XX")
    cont(browser)
    go_to_page(browser, "Check your answers")
    cont(browser)
    go_to_page(browser, "Send your report")
    choose(browser, "q-confirm")
    before = len(api.requests)
    cont(browser)
    assert wait_for(lambda: "/confirmation/" in browser.current_url)
    body = [r for r in api.requests[before:] if r["type"] == "application/json"][0]["body"]
    assert [v["registration"] for v in body["answers"]["vehicles"]] == ["AB12 CDE", "CD34 EFG"]
    assert body["answers"]["injured-who"] == ["me", "pedestrian"]
    assert "witnesses" not in body["answers"]


def test_exit_page_stops_the_form(browser, form_site):
    browser.get(form_site("kent") + "/report/crime/form/")
    go_to_page(browser, "Is anyone in danger now?")
    choose(browser, "q-in-danger-1")
    cont(browser)
    go_to_page(browser, "Call 999 now")
    assert not browser.find_element(By.CSS_SELECTOR, "[data-form-actions]").is_displayed()
    assert_accessible(browser)


def test_draft_survives_a_reload_and_start_again_clears_it(browser, form_site):
    browser.get(form_site("kent") + "/report/lost-property/form/")
    go_to_page(browser, "Was it stolen?")
    choose(browser, "q-think-stolen-2")
    cont(browser)
    go_to_page(browser, "What you lost")
    fill(browser, "q-item-description", "Black leather wallet")
    browser.refresh()
    go_to_page(browser, "What you lost")
    assert browser.find_element(By.ID, "q-item-description").get_attribute("value") == "Black leather wallet"
    assert "restored" in browser.find_element(By.CSS_SELECTOR, "[data-form-status]").text
    browser.find_element(By.XPATH, "//button[text()='Start again']").click()
    go_to_page(browser, "Was it stolen?")
    browser.refresh()
    assert browser.find_element(By.ID, "q-item-description").get_attribute("value") == ""


def found_property_ready_to_send(browser, base):
    """Fills in the found-property form up to its last page, the declaration ticked."""
    browser.get(base + "/report/found-property/form/")
    go_to_page(browser, "Could it be dangerous?")
    choose(browser, "q-dangerous-2")
    cont(browser)
    go_to_page(browser, "What you found")
    fill(browser, "q-item-description", "A set of keys")
    date(browser, "q-found-date", "2", "3", "2026")
    fill(browser, "q-found-place", "Bus stop on Week Street")
    choose(browser, "q-still-have-1")
    cont(browser)
    about_you(browser)
    go_to_page(browser, "Check your answers")
    cont(browser)
    go_to_page(browser, "Send your report")
    choose(browser, "q-confirm")


def test_failed_send_is_kept_and_retried_with_the_same_key(browser, form_site, api):
    found_property_ready_to_send(browser, form_site("kent"))
    before = len(api.requests)
    api.fail_next = 1
    cont(browser)
    status = browser.find_element(By.CSS_SELECTOR, "[data-form-status]")
    assert wait_for(lambda: "We could not send your answers" in status.text)
    assert wait_for(lambda: "/confirmation/" in browser.current_url, timeout=15)
    posts = [r for r in api.requests[before:] if r["type"] == "application/json"]
    assert len(posts) == 2
    assert posts[0]["key"] == posts[1]["key"]


def test_answers_changed_after_a_failed_send_go_with_a_new_key(browser, form_site, api):
    found_property_ready_to_send(browser, form_site("kent"))
    before = len(api.requests)
    api.fail_next = 1000
    try:
        cont(browser)
        status = browser.find_element(By.CSS_SELECTOR, "[data-form-status]")
        assert wait_for(lambda: "We could not send your answers" in status.text)
        # The person corrects an answer and sends again while the first send is still failing.
        go_to_page(browser, "Send your report")
        browser.find_element(By.CSS_SELECTOR, ".back-link").click()
        go_to_page(browser, "Check your answers")
        browser.find_element(By.CSS_SELECTOR, "a[href='?step=item']").click()
        go_to_page(browser, "What you found")
        fill(browser, "q-item-description", "A set of car keys on a red ring")
        cont(browser)
        go_to_page(browser, "Check your answers")
        cont(browser)
        go_to_page(browser, "Send your report")
        cont(browser)
        assert wait_for(lambda: [r for r in api.requests[before:] if r["type"] == "application/json"][-1]["raw"].count("red ring") == 1)
    finally:
        api.fail_next = 0
    assert wait_for(lambda: "/confirmation/" in browser.current_url, timeout=15)
    posts = [r for r in api.requests[before:] if r["type"] == "application/json"]
    bodies = {}
    for post in posts:
        bodies.setdefault(post["key"], set()).add(json.dumps(json.loads(post["raw"])["answers"], sort_keys=True))
    # One key per set of answers, and the corrected answers went with a key of their own.
    assert all(len(b) == 1 for b in bodies.values()), bodies
    assert posts[0]["key"] != posts[-1]["key"]
    assert "red ring" in posts[-1]["raw"] and "red ring" not in posts[0]["raw"]


def test_crime_form_without_javascript(browser_without_js, form_site, api):
    b = browser_without_js
    b.get(form_site("kent") + "/report/crime/form/")
    # Every page is on one page, each conditional part explained.
    assert b.find_element(By.ID, "page-stolen").is_displayed()
    assert "Answer this part only if you answered “Theft” or “Burglary”" in b.find_element(By.ID, "page-stolen").text
    assert b.find_element(By.ID, "q-damaged-property").is_displayed()
    # Check answers, before sending, offers printing the page as the copy to keep.
    assert "print this page or save it as a PDF now" in b.find_element(By.ID, "page-check").text
    choose(b, "q-in-danger-2")
    choose(b, "q-crime-type-1")
    date(b, "q-happened-on", "3", "2", "2026")
    fill(b, "q-description", "My bike was taken from outside the shop.")
    Select(b.find_element(By.ID, "q-area")).select_by_value("ashford")
    address(b, "q-location", "2 Station Road", "Ashford", "TN23 1AA")
    fill(b, "q-stolen-items", "Blue Raleigh bike")
    choose(b, "q-has-suspect-2")
    fill(b, "q-full-name", "Sam Jones")
    fill(b, "q-email", "sam@example.com")
    address(b, "q-home-address", "1 High Street", "Maidstone", "ME14 1XX")
    choose(b, "q-confirm")
    before = len(api.requests)
    b.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    assert wait_for(lambda: "/confirmation/" in b.current_url), b.current_url
    # The crime form takes photos, so it posts multipart/form-data.
    post = [r for r in api.requests[before:] if r["type"] == "multipart/form-data"][0]
    fields = post["fields"]
    assert fields["_form"] == ["crime"] and fields["crime-type"] == ["theft"]
    assert fields["happened-on[day]"] == ["3"] and fields["stolen-items"] == ["Blue Raleigh bike"]
    assert "reference=" in b.current_url
    assert b.find_element(By.TAG_NAME, "h1").text == "Report sent"
    # Without JavaScript nothing was kept to print: the page says what became of the answers.
    main = b.find_element(By.TAG_NAME, "main").text
    assert "No copy of them was kept on this device" in main
    assert "Save or print" not in main


def test_the_one_page_form_is_accessible(browser, form_site):
    """The page a browser without JavaScript gets: axe runs with the runtime blocked."""
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/assets/js/forms*"]})
    try:
        for form in ["report/crime", "report/road-traffic-collision", "apply/firearms-licence"]:
            browser.get(form_site("kent") + f"/{form}/form/")
            assert browser.find_element(By.CSS_SELECTOR, ".form-page__condition").is_displayed()
            assert_accessible(browser)
    finally:
        browser.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
