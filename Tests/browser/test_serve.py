"""soh serve: every force at its own host, live reload on save, build errors shown over the last
good site, and a form posted from the preview found through the local API."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from conftest import wait_for, ROOT, SOH, free_port




@pytest.fixture(scope="module")
def preview():
    work = tempfile.mkdtemp(prefix="soh-serve-")
    for name in ["site.yml", "content", "forces", "themes", "data", "national"]:
        src = os.path.join(ROOT, name)
        (shutil.copytree if os.path.isdir(src) else shutil.copy)(src, os.path.join(work, name))
    port, api_port = free_port(), free_port()
    env = dict(os.environ, SOH_API_TOKENS="kent=" + hashlib.sha256(b"preview-token").hexdigest())
    # Its output goes to a file: a pipe nobody reads fills up and stops the server when it writes.
    log = open(os.path.join(work, "serve.log"), "w")
    process = subprocess.Popen([SOH, "serve", "--root", work, "--port", str(port), "--api-port", str(api_port),
                                "--force", "kent", "--force", "gwent"], stdout=log, stderr=subprocess.STDOUT, env=env)
    assert wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).status == 200, 60)
    yield {"work": work, "port": port, "api": f"http://127.0.0.1:{api_port}"}
    process.terminate()
    process.wait(timeout=20)
    log.close()
    shutil.rmtree(work, ignore_errors=True)


def test_index_lists_the_forces(browser, preview):
    browser.get(f"http://localhost:{preview['port']}/")
    links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "li > a:first-of-type")]
    assert links == ["Gwent Police", "Kent Police"]
    browser.find_element(By.LINK_TEXT, "Kent Police").click()
    assert browser.find_element(By.CSS_SELECTOR, ".site-header__name").text == "Kent Police"


def test_branding_page(browser, preview):
    browser.get(f"http://kent.localhost:{preview['port']}/_soh/branding/")
    table = browser.find_element(By.TAG_NAME, "table").text
    assert "Header text on primary" in table and "Pass" in table
    assert len(browser.find_elements(By.CSS_SELECTOR, "img[alt^='Kent Police logo at']")) == 3


def test_saving_a_file_reloads_and_a_broken_build_is_shown(browser, preview):
    page = os.path.join(preview["work"], "content", "advice", "personal-safety.md")
    original = open(page, encoding="utf-8").read()
    browser.get(f"http://kent.localhost:{preview['port']}/advice/personal-safety/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Personal safety"
    # The page has opened its event stream (it marks the document): no fixed wait.
    listening = lambda: browser.execute_script("return document.documentElement.dataset.sohLive === 'listening'")
    assert wait_for(listening)
    browser.execute_script("window.notReloaded = true")
    with open(page, "w", encoding="utf-8") as f:
        f.write(original.replace("title: Personal safety", "title: Staying safe when you are out"))
    assert wait_for(lambda: browser.find_element(By.TAG_NAME, "h1").text == "Staying safe when you are out")
    assert browser.execute_script("return window.notReloaded === undefined")

    assert wait_for(listening)
    with open(page, "w", encoding="utf-8") as f:
        f.write(original.replace("title: Personal safety", "titel: Broken"))
    alert = lambda: browser.find_element(By.CSS_SELECTOR, ".soh-build-error[role=alert]")
    assert wait_for(lambda: "content/advice/personal-safety.md:2:1: error: unknown key 'titel'" in alert().text)
    # The last good site is still served.
    assert browser.find_element(By.TAG_NAME, "h1").text == "Staying safe when you are out"
    with open(page, "w", encoding="utf-8") as f:
        f.write(original)
    assert wait_for(lambda: browser.find_element(By.TAG_NAME, "h1").text == "Personal safety")

    # Only the text changed: the preview puts it in place and reloads.
    assert wait_for(listening)
    with open(page, "w", encoding="utf-8") as f:
        f.write(original + "\nA paragraph added while the preview is open.\n")
    assert wait_for(lambda: "A paragraph added while the preview is open." in browser.find_element(By.TAG_NAME, "main").text)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Personal safety"


def test_a_form_posted_from_the_preview_is_found_through_the_api(browser_without_js, preview):
    b = browser_without_js
    b.get(f"http://kent.localhost:{preview['port']}/report/lost-property/form/")
    b.find_element(By.ID, "q-think-stolen-2").click()
    b.find_element(By.ID, "q-item-type").send_keys("Keys")
    b.find_element(By.ID, "q-item-description").send_keys("Three keys on a red fob")
    for part, value in (("day", "2"), ("month", "3"), ("year", "2026")):
        b.find_element(By.ID, f"q-lost-date-{part}").send_keys(value)
    b.find_element(By.ID, "q-lost-place").send_keys("High Street")
    b.find_element(By.ID, "q-full-name").send_keys("Sam Jones")
    b.find_element(By.ID, "q-email").send_keys("sam@example.com")
    for part, value in (("line1", "1 High Street"), ("town", "Maidstone"), ("postcode", "ME14 1XX")):
        b.find_element(By.ID, f"q-home-address-{part}").send_keys(value)
    b.find_element(By.ID, "q-confirm").click()
    b.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    assert wait_for(lambda: "reference=KEN-" in b.current_url), b.current_url
    reference = b.current_url.split("reference=")[1]
    request = urllib.request.Request(f"{preview['api']}/v1/forces/kent/submissions/{reference}",
                                     headers={"Authorization": "Bearer preview-token"})
    stored = json.load(urllib.request.urlopen(request, timeout=5))
    assert stored["form"] == "lost-property"
    assert stored["answers"]["item-description"] == "Three keys on a red fob"
