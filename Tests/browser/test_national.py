"""The national site (docs/routing.md) in a real browser, with every site at its own host name
(`<force>.localhost`, as they are published) and the real `soh api` with the sample postcode index:
find your force by area and by postcode, with and without JavaScript, and every service's page
sending the person to the right force's form."""
import functools
import http.server
import os
import re
import shutil
import subprocess
import tempfile
import threading

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from conftest import ROOT, SOH, free_port, start_api, stop_api, wait_for


class HostHandler(http.server.SimpleHTTPRequestHandler):
    """Serves `<out>/<force>/` for the host `<force>.localhost`."""

    def __init__(self, *args, out, **kwargs):
        self.out = out
        super().__init__(*args, directory=out, **kwargs)

    def translate_path(self, path):
        host = (self.headers.get("Host") or "").split(":")[0]
        site = host[: -len(".localhost")] if host.endswith(".localhost") else ""
        if not re.fullmatch(r"[a-z0-9-]+", site):
            return os.path.join(self.out, "no-such-site")
        self.directory = os.path.join(self.out, site)
        return super().translate_path(path)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def national():
    """Returns force id → its site's address; the API runs on its own port."""
    work = tempfile.mkdtemp(prefix="soh-national-")
    root = os.path.join(work, "repo")
    for part in ("content", "forces", "themes", "national", "data"):
        shutil.copytree(os.path.join(ROOT, part), os.path.join(root, part), ignore=shutil.ignore_patterns("postcodes.idx"))
    site_port, api_port = free_port(), free_port()
    with open(os.path.join(ROOT, "site.yml"), encoding="utf-8") as f:
        site = f.read()
    local = f'environments:\n  local:\n    baseURL: "http://{{force}}.localhost:{site_port}"\n    api: http://127.0.0.1:{api_port}\n'
    with open(os.path.join(root, "site.yml"), "w", encoding="utf-8") as f:
        f.write(site.replace("environments:\n", local, 1))
    out = os.path.join(work, "public")
    built = subprocess.run([SOH, "build", "--root", root, "--out", out, "--env", "local"], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    imported = subprocess.run([SOH, "areas", "import", os.path.join(ROOT, "Tests", "fixtures", "onspd-sample.csv"), "--root", root],
                              capture_output=True, text=True)
    assert imported.returncode == 0 and "6 postcodes in the areas of 5 forces" in imported.stdout, imported
    server = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), functools.partial(HostHandler, out=out))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    api = start_api(["--root", root, "--env", "local", "--port", str(api_port), "--db", os.path.join(work, "api.sqlite")],
                    os.path.join(work, "api.log"))
    yield lambda force: f"http://{force}.localhost:{site_port}"
    stop_api(api)
    server.shutdown()
    server.server_close()


def services_with_forms():
    """(service id, English page, Welsh page) of each service with a form, from site.yml."""
    found, current = [], {}
    for line in open(os.path.join(ROOT, "site.yml"), encoding="utf-8"):
        if m := re.match(r"  - id: (\S+)", line):
            current = {"id": m.group(1)}
        elif m := re.match(r"    page: (\S+)", line):
            current["page"] = m.group(1)
        elif re.match(r"    form: \S+", line) and "page" in current:
            found.append((current["id"], current["page"]))
    return found


def target(b, element_id):
    return b.execute_script("return document.querySelector(':target')?.id") == element_id


def test_find_your_force_by_area_with_javascript(browser, national):
    b = browser
    b.get(national("national") + "/find-your-force/")
    assert b.find_element(By.TAG_NAME, "h1").text == "Find your police force"
    pick_area_box = b.find_element(By.ID, "find-area")
    pick_area_box.send_keys("Penarth")
    listbox = b.find_element(By.ID, "find-area-listbox")
    assert wait_for(lambda: listbox.is_displayed() and "Vale of Glamorgan" in listbox.text)
    # Choosing moves nobody: the button does.
    assert b.current_url.endswith("/find-your-force/")
    b.find_element(By.ID, "find-area").send_keys("\ue015")  # arrow down
    b.find_element(By.ID, "find-area").send_keys("\ue007")  # enter
    assert b.current_url.endswith("/find-your-force/")
    b.find_element(By.CSS_SELECTOR, "form[data-area-finder] button[type=submit]").click()
    assert wait_for(lambda: b.current_url.endswith("/find-your-force/#force-south-wales")), b.current_url
    entry = b.find_element(By.ID, "force-south-wales")
    assert target(b, "force-south-wales")
    assert "South Wales Police" in entry.text and "101" in entry.text and "Vale of Glamorgan" in entry.text
    link = entry.find_element(By.TAG_NAME, "a")
    assert link.get_attribute("href") == national("south-wales") + "/"


def test_find_your_force_by_postcode_without_javascript_in_both_languages(browser_without_js, national):
    b = browser_without_js
    b.get(national("national") + "/find-your-force/")
    b.find_element(By.ID, "find-postcode").send_keys("me14 1xx")
    b.find_element(By.ID, "find-postcode").submit()
    assert wait_for(lambda: b.current_url.endswith("/find-your-force/#force-kent")), b.current_url
    assert target(b, "force-kent") and "Kent Police" in b.find_element(By.ID, "force-kent").text
    # A postcode not in the index: back to the finder, which says so.
    b.find_element(By.ID, "find-postcode").send_keys("ZZ1 1ZZ")
    b.find_element(By.ID, "find-postcode").submit()
    assert wait_for(lambda: b.current_url.endswith("#postcode-not-found")), b.current_url
    assert b.find_element(By.ID, "postcode-not-found").is_displayed()
    # In Welsh, to the Welsh page, and Welsh words on it.
    b.get(national("national") + "/cy/find-your-force/")
    assert b.find_element(By.TAG_NAME, "html").get_attribute("lang") == "cy"
    b.find_element(By.ID, "find-postcode").send_keys("CF10 1AA")
    b.find_element(By.ID, "find-postcode").submit()
    assert wait_for(lambda: b.current_url.endswith("/cy/find-your-force/#force-south-wales")), b.current_url
    entry = b.find_element(By.ID, "force-south-wales")
    assert "Heddlu De Cymru" in entry.text and "Gwefan" in entry.text and "Caerdydd" in entry.text
    assert entry.find_element(By.TAG_NAME, "a").get_attribute("href") == national("south-wales") + "/cy/"


def test_pressing_find_with_nothing_chosen_without_javascript_says_what_to_do_in_the_pages_language(browser_without_js, national):
    b = browser_without_js
    for prefix, words in (("", "Choose the area where it happened"), ("/cy", "Dewiswch o'r rhestr yr ardal")):
        b.get(national("national") + prefix + "/find-your-force/")
        b.find_element(By.CSS_SELECTOR, "form[data-area-finder] button[type=submit]").click()
        assert wait_for(lambda: b.current_url.endswith(prefix + "/find-your-force/#area-not-chosen")), b.current_url
        note = b.find_element(By.ID, "area-not-chosen")
        assert note.is_displayed() and words in note.text, note.text
        assert "{" not in b.find_element(By.TAG_NAME, "body").text, "a page, not the API's JSON"
        assert not b.find_element(By.ID, "postcode-not-found").is_displayed()


@pytest.mark.parametrize("service,page", services_with_forms())
def test_every_service_page_sends_the_person_to_that_forces_form(browser_without_js, national, service, page):
    b = browser_without_js
    b.get(national("national") + page)
    # No form on the national site: where did it happen?
    assert not b.find_elements(By.CSS_SELECTOR, "form.soh-form")
    Select(b.find_element(By.ID, "find-area")).select_by_value("maidstone")
    b.find_element(By.CSS_SELECTOR, "form[data-area-finder] button[type=submit]").click()
    assert wait_for(lambda: b.current_url == national("kent") + page + "form/"), b.current_url
    assert b.find_element(By.CSS_SELECTOR, "form.soh-form").get_attribute("data-form")


def test_a_welsh_service_page_with_javascript_sends_a_welsh_speaker_to_the_welsh_form(browser, national):
    b = browser
    b.get(national("national") + "/cy/rhoi-gwybod/trosedd/")
    assert b.find_element(By.TAG_NAME, "h1").text == "Rhoi gwybod am drosedd"
    box = b.find_element(By.ID, "find-area")
    box.send_keys("Abertaw")
    assert wait_for(lambda: b.find_element(By.ID, "find-area-listbox").is_displayed())
    box.send_keys("\ue015")
    box.send_keys("\ue007")
    assert b.execute_script("return document.getElementById('find-area-select').value") == "swansea"
    b.find_element(By.CSS_SELECTOR, "form[data-area-finder] button[type=submit]").click()
    # The force's own form, in Welsh (its runtime adds the step it shows).
    assert wait_for(lambda: b.current_url.split("?")[0] == national("south-wales") + "/cy/rhoi-gwybod/trosedd/form/"), b.current_url
    assert wait_for(lambda: b.find_element(By.TAG_NAME, "h1").text == "A oes unrhyw un mewn perygl nawr?")
