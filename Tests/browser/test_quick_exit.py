"""Quick exit on sensitive pages: leaves at once, Back does not return, works without JavaScript."""
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from conftest import wait_for
from selenium.webdriver.common.keys import Keys

EXIT = "https://www.bbc.co.uk/weather"
SENSITIVE = "/advice/domestic-abuse/"




def test_button_leaves_and_back_does_not_return(browser, site_url):
    base = site_url("kent")
    browser.get(base + "/advice/")
    browser.get(base + SENSITIVE)
    button = browser.find_element(By.CSS_SELECTOR, "[data-quick-exit]")
    assert button.is_displayed()
    assert button.text == "Exit this page"
    button.click()
    assert wait_for(lambda: browser.current_url.startswith(EXIT)), browser.current_url
    browser.back()
    # The sensitive page was replaced in history: Back goes to the page before it.
    assert wait_for(lambda: browser.current_url == base + "/advice/"), browser.current_url


def test_shift_three_times_leaves(browser, site_url):
    base = site_url("kent")
    browser.get(base + SENSITIVE)
    actions = ActionChains(browser)
    for _ in range(3):
        actions.key_down(Keys.SHIFT).key_up(Keys.SHIFT)
    actions.perform()
    assert wait_for(lambda: browser.current_url.startswith(EXIT)), browser.current_url


def test_button_stays_in_reach_when_scrolled(browser, site_url):
    browser.get(site_url("kent") + SENSITIVE)
    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    button = browser.find_element(By.CSS_SELECTOR, "[data-quick-exit]")
    top = browser.execute_script("return arguments[0].getBoundingClientRect().top", button)
    assert 0 <= top < 100


def test_without_javascript_it_is_a_plain_link(browser_without_js, site_url):
    base = site_url("kent")
    browser_without_js.get(base + SENSITIVE)
    button = browser_without_js.find_element(By.CSS_SELECTOR, "[data-quick-exit]")
    assert button.tag_name == "a"
    assert button.get_attribute("href") == EXIT
    button.click()
    assert wait_for(lambda: browser_without_js.current_url.startswith(EXIT)), browser_without_js.current_url


def test_only_sensitive_pages_have_it(browser, site_url):
    base = site_url("kent")
    browser.get(base + "/advice/bicycle-theft/")
    assert browser.find_elements(By.CSS_SELECTOR, "[data-quick-exit]") == []


# ----- What a form leaves on a shared phone -----

CRIME_FORM = "/report/crime/form/"
KEPT = """
return ['sessionStorage', 'localStorage'].flatMap(name =>
  Object.keys(window[name]).filter(k => k.startsWith('soh-')).map(k => name + ':' + k + '=' + window[name].getItem(k)));
"""


def start_crime_report(b, base, words):
    b.get(base + CRIME_FORM)
    assert wait_for(lambda: b.find_element(By.ID, "q-in-danger-2").is_displayed())
    b.find_element(By.ID, "q-in-danger-2").click()
    b.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    assert wait_for(lambda: b.find_element(By.ID, "q-description").is_displayed())
    b.find_element(By.ID, "q-description").send_keys(words)


def test_a_draft_lives_in_this_tab_only_and_quick_exit_forgets_it(browser, form_site):
    base = form_site("kent")
    start_crime_report(browser, base, "My partner took my phone")
    kept = browser.execute_script(KEPT)
    assert any(k.startswith("sessionStorage:soh-draft") and "My partner" in k for k in kept), kept
    assert not any(k.startswith("localStorage:") for k in kept), kept
    # A sensitive form says plainly who could read a draft kept on the device.
    warning = browser.find_element(By.ID, "soh-keep-draft-warning")
    assert "Anyone who uses this device could read" in warning.text
    assert not browser.find_element(By.ID, "soh-keep-draft").is_selected()

    # A new tab (as after closing the browser) starts empty: nothing was kept on the device.
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(base + CRIME_FORM)
    assert wait_for(lambda: browser.find_element(By.ID, "q-in-danger-2").is_displayed())
    assert "My partner" not in browser.page_source
    assert browser.execute_script(KEPT) == []
    browser.close()
    browser.switch_to.window(first)

    browser.find_element(By.CSS_SELECTOR, "[data-quick-exit]").click()
    assert wait_for(lambda: browser.current_url.startswith(EXIT)), browser.current_url
    browser.get(base + "/")
    assert browser.execute_script(KEPT) == []


def test_kept_on_the_device_only_when_chosen_and_quick_exit_still_forgets_it(browser, form_site):
    base = form_site("kent")
    start_crime_report(browser, base, "He follows me home")
    browser.find_element(By.ID, "soh-keep-draft").click()
    assert wait_for(lambda: any(k.startswith("localStorage:soh-draft") and "follows me" in k for k in browser.execute_script(KEPT)))
    assert not any(k.startswith("sessionStorage:") for k in browser.execute_script(KEPT))
    # Kept: a new tab restores it.
    browser.switch_to.new_window("tab")
    browser.get(base + CRIME_FORM)
    assert wait_for(lambda: "restored" in browser.find_element(By.CSS_SELECTOR, "[data-form-status]").text)
    assert browser.find_element(By.ID, "soh-keep-draft").is_selected()
    # Shift three times from the form itself: everything this site kept is gone.
    actions = ActionChains(browser)
    for _ in range(3):
        actions.key_down(Keys.SHIFT).key_up(Keys.SHIFT)
    actions.perform()
    assert wait_for(lambda: browser.current_url.startswith(EXIT)), browser.current_url
    browser.get(base + CRIME_FORM)
    assert wait_for(lambda: browser.find_element(By.ID, "q-in-danger-2").is_displayed())
    assert browser.execute_script(KEPT) == []
    assert "follows me" not in browser.page_source


def test_a_form_without_quick_exit_offers_the_choice_without_the_warning(browser, form_site):
    browser.get(form_site("kent") + "/report/lost-property/form/")
    assert wait_for(lambda: browser.find_element(By.ID, "soh-keep-draft").is_displayed())
    assert browser.find_elements(By.ID, "soh-keep-draft-warning") == []


def test_typing_capitals_in_a_form_does_not_leave(browser, form_site):
    base = form_site("kent")
    start_crime_report(browser, base, "A B C D E F: TN23 1AA, ASHFORD")
    time.sleep(0.3)
    assert browser.current_url.startswith(base), browser.current_url
    assert "TN23 1AA, ASHFORD" in browser.find_element(By.ID, "q-description").get_attribute("value")
