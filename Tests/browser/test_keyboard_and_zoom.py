"""Keyboard alone and small screens: the crime form completed with Tab, Space and Enter, focus
always visible and moved to the error summary on error; at 320 CSS pixels no page type scrolls
sideways (WCAG 1.4.10 reflow, which is also 1280 pixels at 400 % zoom)."""
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import make_driver, wait_for


def active(b):
    return b.switch_to.active_element


def focus_is_visible(b):
    """The focused element has a visible focus style: an outline, a box shadow or the focus background."""
    return b.execute_script("""
        const el = document.activeElement;
        if (!el || el === document.body) return false;
        const s = getComputedStyle(el);
        return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && s.outlineColor !== 'rgba(0, 0, 0, 0)')
            || (s.boxShadow && s.boxShadow !== 'none')
            || s.backgroundColor === getComputedStyle(document.documentElement).getPropertyValue('--focus').trim();
    """)


def tab_to(b, predicate, limit=80):
    for _ in range(limit):
        ActionChains(b).send_keys(Keys.TAB).perform()
        el = active(b)
        if predicate(el):
            assert focus_is_visible(b), f"focus not visible on {el.get_attribute('outerHTML')[:120]}"
            return el
    raise AssertionError("could not reach the element with Tab")


def by_id(element_id):
    return lambda el: el.get_attribute("id") == element_id


def submit_button(el):
    return el.get_attribute("data-submit") is not None


def type_into(b, element_id, text):
    tab_to(b, by_id(element_id))
    ActionChains(b).send_keys(text).perform()


def press(b, key):
    ActionChains(b).send_keys(key).perform()


def heading(b):
    return b.find_element(By.TAG_NAME, "h1").text


def test_crime_form_with_the_keyboard_alone(browser, form_site):
    b = browser
    b.get(form_site("kent") + "/report/crime/form/")
    assert wait_for(lambda: heading(b) == "Is anyone in danger now?")
    # Continue without answering: focus moves to the error summary.
    tab_to(b, submit_button)
    press(b, Keys.ENTER)
    assert wait_for(lambda: active(b).get_attribute("data-error-summary") is not None)
    assert focus_is_visible(b) or active(b).is_displayed()
    tab_to(b, by_id("q-in-danger-1"))
    press(b, Keys.ARROW_DOWN)  # radios move with the arrow keys: No
    assert b.find_element(By.ID, "q-in-danger-2").is_selected()
    tab_to(b, submit_button)
    press(b, Keys.ENTER)
    assert wait_for(lambda: heading(b) == "What happened")
    tab_to(b, by_id("q-crime-type-1"))
    press(b, Keys.SPACE)
    type_into(b, "q-happened-on-day", "3")
    type_into(b, "q-happened-on-month", "2")
    type_into(b, "q-happened-on-year", "2026")
    type_into(b, "q-description", "My bike was taken.")
    tab_to(b, submit_button)
    press(b, Keys.ENTER)
    assert wait_for(lambda: heading(b) == "Where did it happen?")
    # The area type-ahead: type a town, the down arrow highlights the first area, Enter chooses it.
    type_into(b, "q-area", "Ashf")
    assert wait_for(lambda: b.find_element(By.ID, "q-area-listbox").is_displayed())
    press(b, Keys.ARROW_DOWN)
    press(b, Keys.ENTER)
    assert b.execute_script("return document.getElementById('q-area-select').value") == "ashford"
    assert heading(b) == "Where did it happen?", "Enter chose an area; it did not send the page"
    type_into(b, "q-location-line1", "2 Station Road")
    type_into(b, "q-location-town", "Ashford")
    type_into(b, "q-location-postcode", "TN23 1AA")
    tab_to(b, submit_button)
    press(b, Keys.ENTER)
    assert wait_for(lambda: heading(b) == "What was stolen")
    type_into(b, "q-stolen-items", "A blue bike")
    tab_to(b, submit_button)
    press(b, Keys.ENTER)
    assert wait_for(lambda: heading(b) == "The person who did it")
    tab_to(b, by_id("q-has-suspect-1"))
    press(b, Keys.ARROW_RIGHT)
    tab_to(b, submit_button)
    press(b, Keys.ENTER)
    assert wait_for(lambda: heading(b) == "About you")
    type_into(b, "q-full-name", "Sam Jones")
    type_into(b, "q-email", "sam@example.com")
    type_into(b, "q-home-address-line1", "1 High Street")
    type_into(b, "q-home-address-town", "Maidstone")
    type_into(b, "q-home-address-postcode", "ME14 1XX")
    tab_to(b, submit_button)
    press(b, Keys.ENTER)
    assert wait_for(lambda: heading(b) == "Check your answers")
    tab_to(b, submit_button)
    press(b, Keys.ENTER)
    assert wait_for(lambda: heading(b) == "Send your report")
    tab_to(b, by_id("q-confirm"))
    press(b, Keys.SPACE)
    tab_to(b, submit_button)
    press(b, Keys.ENTER)
    assert wait_for(lambda: "/confirmation/" in b.current_url)


PAGE_TYPES = ["/", "/report/", "/report/crime/", "/advice/", "/advice/domestic-abuse/", "/contact/", "/sitemap/",
              "/404.html", "/report/crime/form/", "/report/crime/form/confirmation/?reference=KEN-7K4M-QX9C"]


@pytest.fixture(scope="module")
def narrow():
    driver = make_driver(width=800, height=800)
    # Windows have a minimum width; the viewport itself is set to 320 CSS pixels.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    yield driver
    driver.quit()


@pytest.mark.parametrize("path", PAGE_TYPES)
def test_no_sideways_scrolling_at_320_pixels(narrow, site_url, path):
    for force in ["kent", "devon-and-cornwall", "south-wales"]:
        narrow.get(site_url(force) + path)
        width = narrow.execute_script("return document.documentElement.clientWidth")
        assert width <= 320
        scroll = narrow.execute_script("return document.documentElement.scrollWidth")
        assert scroll <= width, f"{force}{path}: content is {scroll}px wide in a {width}px window"


def test_the_reflow_check_catches_a_wide_element(narrow, site_url):
    narrow.get(site_url("kent") + "/")
    narrow.execute_script("const d = document.createElement('div'); d.style.width = '1000px'; d.textContent = 'wide';"
                          "document.querySelector('main').append(d)")
    assert narrow.execute_script("return document.documentElement.scrollWidth") > narrow.execute_script("return document.documentElement.clientWidth")
