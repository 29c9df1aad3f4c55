"""Search on every site (docs/search.md), in headless Chromium: typing a query finds the right
pages, the number of results is announced, Welsh finds mutated words, the page is keyboard
friendly and axe-clean; without JavaScript the page offers the list of all pages."""
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from conftest import describe, run_axe


def results(browser):
    return [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "[data-search-results] a")]


def search(browser, text):
    box = browser.find_element(By.ID, "search-q")
    box.clear()
    box.send_keys(text)
    status = browser.find_element(By.CSS_SELECTOR, "[data-search-status]")
    WebDriverWait(browser, 10).until(lambda d: text.strip() in status.text)
    return status.text


def test_a_query_finds_the_pages_and_says_how_many(browser, site_url):
    base = site_url("kent")
    browser.get(base + "/search/")
    label = browser.find_element(By.CSS_SELECTOR, "label[for=search-q]")
    assert label.is_displayed() and label.text == "Search this website"
    assert not browser.find_element(By.CSS_SELECTOR, "[data-search-nojs]").is_displayed()
    status = search(browser, "stolen bike")
    assert status.endswith("results for “stolen bike”"), status
    found = results(browser)
    assert base + "/advice/bicycle-theft/" in found[:3], found
    # The status is a polite live region: screen readers say the count once the typing pauses.
    assert browser.find_element(By.CSS_SELECTOR, "[data-search-status]").get_attribute("role") == "status"
    # A force's own item is found, a closed appeal is not.
    search(browser, "maidstone burglary")
    assert results(browser)[0] == base + "/news/maidstone-burglary-appeal/"
    search(browser, "Daniel Gravesend")
    assert not any("missing-man-gravesend" in url for url in results(browser))
    # A word still being typed matches the words it begins.
    search(browser, "burgl")
    assert any("burglary" in url for url in results(browser)), results(browser)
    status = search(browser, "xylophone")
    assert status.startswith("No results for “xylophone”"), status
    assert run_axe(browser) == [], describe(run_axe(browser))


def test_keyboard_only_search_and_the_address_keeps_the_query(browser, site_url):
    base = site_url("kent")
    browser.get(base + "/")
    # The header's Search link, reached with the keyboard.
    link = browser.find_element(By.CSS_SELECTOR, ".site-header__search")
    assert link.get_attribute("href") == base + "/search/"
    link.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.current_url == base + "/search/")
    box = browser.find_element(By.ID, "search-q")
    box.click()
    box.send_keys("domestic abuse", Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: "q=domestic+abuse" in d.current_url and results(d))
    assert base + "/advice/domestic-abuse/" in results(browser)[:3]
    # Tab from the box goes to the button, then into the results.
    box.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.tag_name == "button"
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("href") == results(browser)[0]
    # A link to a search runs it.
    browser.get(base + "/search/?q=lost+property")
    WebDriverWait(browser, 10).until(lambda d: results(d))
    assert browser.find_element(By.ID, "search-q").get_attribute("value") == "lost property"


def test_welsh_pages_are_searched_in_welsh_whatever_the_mutation(browser, site_url):
    base = site_url("south-wales")
    browser.get(base + "/cy/chwilio/")
    assert browser.find_element(By.CSS_SELECTOR, "label[for=search-q]").text == "Chwilio'r wefan hon"
    status = search(browser, "car")
    assert "canlyniad ar gyfer “car”" in status, status
    found = results(browser)
    assert found and all("/cy/" in url for url in found), found
    assert base + "/cy/newyddion/gyrru-yn-y-gaeaf/" in found, found
    # The missing-person page says "gartref" (soft mutation) and never "cartref": it is found.
    search(browser, "cartref")
    assert base + "/cy/rhoi-gwybod/person-coll/" in results(browser), results(browser)
    assert run_axe(browser) == [], describe(run_axe(browser))


def test_without_javascript_the_page_offers_every_page(browser_without_js, site_url):
    base = site_url("kent")
    browser_without_js.get(base + "/search/?q=bike")
    message = browser_without_js.find_element(By.CSS_SELECTOR, "[data-search-nojs]")
    assert message.is_displayed() and "JavaScript" in message.text
    link = message.find_element(By.TAG_NAME, "a")
    assert link.get_attribute("href") == base + "/sitemap/"
    assert results(browser_without_js) == []
