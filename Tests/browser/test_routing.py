"""A report made on one force's site about a place in another force's area (docs/routing.md), in a
real browser against the real `soh api`: check answers and the confirmation say which force deals
with it, with and without JavaScript, in English and in Welsh; the API decided it, not the page."""
import os
import subprocess
import tempfile

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import ROOT, SOH, free_port, serve_sites, start_api, stop, stop_api, wait_for, run_axe, describe
from test_forms import heading, go_to_page, cont, fill, choose, date, address, pick_area


@pytest.fixture(scope="module")
def routed():
    """Kent's and South Wales's sites, posting to a real `soh api` that lets their local origins post."""
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    out = tempfile.mkdtemp(prefix="soh-routing-")
    subprocess.run([SOH, "build", "--root", ROOT, "--out", out, "--api", api_url, "--force", "kent", "--force", "south-wales"],
                   check=True, capture_output=True)
    url, servers = serve_sites(out)
    origins = [url("kent"), url("south-wales")]
    api = start_api(["--root", ROOT, "--port", str(port), "--db", os.path.join(out, "api.sqlite"),
                     *[a for o in origins for a in ("--allow-origin", o)]], os.path.join(out, "api.log"))
    yield url
    stop_api(api)
    stop(servers)


def assert_accessible(b):
    violations = run_axe(b)
    assert violations == [], describe(violations)


def crime_until_where(b, base, welsh=False):
    b.get(base + ("/cy/rhoi-gwybod/trosedd/form/" if welsh else "/report/crime/form/"))
    go_to_page(b, "A oes unrhyw un mewn perygl nawr?" if welsh else "Is anyone in danger now?")
    choose(b, "q-in-danger-2")
    cont(b)
    go_to_page(b, "Beth ddigwyddodd" if welsh else "What happened")
    choose(b, "q-crime-type-2")  # damage: no page of what was stolen
    fill(b, "q-damaged-property", "Car window")
    date(b, "q-happened-on", "3", "2", "2026")
    fill(b, "q-description", "Someone smashed my car window.")
    cont(b)
    go_to_page(b, "Ble digwyddodd?" if welsh else "Where did it happen?")


def crime_after_where(b, welsh=False):
    go_to_page(b, "Y person a'i gwnaeth" if welsh else "The person who did it")
    choose(b, "q-has-suspect-2")
    cont(b)
    go_to_page(b, "Amdanoch chi" if welsh else "About you")
    fill(b, "q-full-name", "Sam Jones")
    fill(b, "q-email", "sam@example.com")
    address(b, "q-home-address", "1 High Street", "Maidstone", "ME14 1XX")
    cont(b)


def test_with_javascript_check_answers_and_confirmation_name_the_force_for_the_area(browser, routed):
    b = browser
    crime_until_where(b, routed("kent"))
    # A town finds its area; the list says whose police area it is.
    box = b.find_element(By.ID, "q-area")
    box.send_keys("Penarth")
    listbox = b.find_element(By.ID, "q-area-listbox")
    assert wait_for(lambda: listbox.is_displayed())
    assert "Penarth, in Vale of Glamorgan (South Wales)" in listbox.text
    status = b.find_element(By.CSS_SELECTOR, ".area-picker [role=status]")
    assert wait_for(lambda: status.text.startswith("Areas found: "))
    assert_accessible(b)  # with the list open
    pick_area(b, "Cardi", "cardiff")
    address(b, "q-location", "2 Queen Street", "Cardiff", "CF10 2BU")
    cont(b)
    crime_after_where(b)
    go_to_page(b, "Check your answers")
    notice = b.find_element(By.CSS_SELECTOR, "[data-elsewhere]")
    assert notice.is_displayed()
    assert notice.text == ("This happened in the South Wales police area. "
                           "We will send your report to the police force there, and they will deal with it.")
    assert "Cardiff (South Wales)" in b.find_element(By.CSS_SELECTOR, "[data-check-answers]").text
    assert_accessible(b)
    cont(b)
    go_to_page(b, "Send your report")
    choose(b, "q-confirm")
    cont(b)
    assert wait_for(lambda: "/confirmation/" in b.current_url), b.current_url
    assert b.current_url.endswith("#area-force-south-wales"), b.current_url
    note = b.find_element(By.ID, "area-force-south-wales")
    assert note.is_displayed() and note.text.startswith("South Wales Police will deal with your report")
    assert not b.find_element(By.ID, "area-force-kent").is_displayed()
    assert wait_for(lambda: b.find_element(By.CSS_SELECTOR, "[data-reference]").text.startswith("KEN-"))
    assert_accessible(b)


def test_without_javascript_the_confirmation_names_the_force_for_the_area(browser_without_js, routed):
    b = browser_without_js
    b.get(routed("kent") + "/report/crime/form/")
    assert "we will send your report to them" in b.find_element(By.ID, "page-check").text
    choose(b, "q-in-danger-2")
    choose(b, "q-crime-type-2")
    fill(b, "q-damaged-property", "Car window")
    date(b, "q-happened-on", "3", "2", "2026")
    fill(b, "q-description", "Someone smashed my car window.")
    area = Select(b.find_element(By.ID, "q-area"))
    # Grouped by police area, the person sees whose area each is.
    assert "South Wales" in [g.get_attribute("label") for g in b.find_elements(By.CSS_SELECTOR, "#q-area optgroup")]
    area.select_by_value("swansea")
    address(b, "q-location", "1 Wind Street", "Swansea", "SA1 1DP")
    choose(b, "q-has-suspect-2")
    fill(b, "q-full-name", "Sam Jones")
    fill(b, "q-email", "sam@example.com")
    address(b, "q-home-address", "1 High Street", "Maidstone", "ME14 1XX")
    choose(b, "q-confirm")
    b.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    assert wait_for(lambda: "/confirmation/" in b.current_url), b.current_url
    assert b.current_url.startswith(routed("kent")) and b.current_url.endswith("#area-force-south-wales"), b.current_url
    note = b.find_element(By.ID, "area-force-south-wales")
    assert note.is_displayed() and "South Wales Police will deal with your report" in note.text
    assert not b.find_element(By.ID, "area-force-dyfed-powys").is_displayed()


def test_in_welsh_a_report_about_kent_names_kent_with_and_without_javascript(browser, browser_without_js, routed):
    b = browser
    crime_until_where(b, routed("south-wales"), welsh=True)
    pick_area(b, "Maidst", "maidstone")
    address(b, "q-location", "1 High Street", "Maidstone", "ME14 1XX")
    cont(b)
    crime_after_where(b, welsh=True)
    go_to_page(b, "Gwirio eich atebion")
    notice = b.find_element(By.CSS_SELECTOR, "[data-elsewhere]")
    assert notice.text.startswith("Digwyddodd hyn yn ardal heddlu Kent.")
    cont(b)
    go_to_page(b, "Anfon eich adroddiad")
    choose(b, "q-confirm")
    cont(b)
    assert wait_for(lambda: b.current_url.endswith("#area-force-kent")), b.current_url
    assert b.find_element(By.ID, "area-force-kent").text.startswith("Bydd Kent Police yn delio â'ch adroddiad")
    assert_accessible(b)

    n = browser_without_js
    n.get(routed("south-wales") + "/cy/rhoi-gwybod/trosedd/form/")
    choose(n, "q-in-danger-2")
    choose(n, "q-crime-type-2")
    fill(n, "q-damaged-property", "Ffenest car")
    date(n, "q-happened-on", "3", "2", "2026")
    fill(n, "q-description", "Torrodd rhywun ffenest fy nghar.")
    Select(n.find_element(By.ID, "q-area")).select_by_value("maidstone")
    address(n, "q-location", "1 High Street", "Maidstone", "ME14 1XX")
    choose(n, "q-has-suspect-2")
    fill(n, "q-full-name", "Siân Jones")
    fill(n, "q-email", "sian@example.com")
    address(n, "q-home-address", "1 Stryd Fawr", "Caerdydd", "CF10 1AA")
    choose(n, "q-confirm")
    n.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    assert wait_for(lambda: n.current_url.endswith("#area-force-kent")), n.current_url
    assert "/cy/" in n.current_url
    assert n.find_element(By.ID, "area-force-kent").is_displayed()
