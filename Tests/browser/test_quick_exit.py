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
