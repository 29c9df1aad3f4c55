"""Evidence files in a real browser against the real `soh api` and a real clamd (docs/evidence.md):
choosing, the list with its remove buttons, an upload that survives the connection going away,
a file clamd finds infected named in English and in Welsh, axe on the page, keyboard only, and
the report sent with its files."""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "delivery"))
from clamd import Clamd, EICAR  # noqa: E402  (the delivery tests' clamd, shared)
from conftest import ROOT, SOH, free_port, serve_sites, start_api, stop, stop_api, wait_for, run_axe, describe
from test_forms import go_to_page, cont, fill, choose, date, pick_area, address

JPEG_HEAD = bytes([0xFF, 0xD8, 0xFF, 0xE0, 0, 16]) + b"JFIF\0"


@pytest.fixture(scope="module")
def evidence():
    """Kent's and South Wales's sites posting to a real `soh api` that scans files with clamd."""
    clamd = Clamd()
    # One answers key for the API and this test's own reading of what it stored.
    keys = os.environ.get("SOH_ANSWERS_KEYS")
    os.environ["SOH_ANSWERS_KEYS"] = keys or "test:" + base64.b64encode(os.urandom(32)).decode()
    port = free_port()
    api_url = f"http://127.0.0.1:{port}"
    out = tempfile.mkdtemp(prefix="soh-evidence-")
    subprocess.run([SOH, "build", "--root", ROOT, "--out", out, "--api", api_url, "--force", "kent", "--force", "south-wales"],
                   check=True, capture_output=True)
    url, servers = serve_sites(out)
    origins = [url("kent"), url("south-wales")]
    db = os.path.join(out, "api.sqlite")
    api = start_api(["--root", ROOT, "--port", str(port), "--db", db, "--clamd", clamd.address, "--evidence", os.path.join(out, "evidence"),
                     *[a for o in origins for a in ("--allow-origin", o)]], os.path.join(out, "api.log"))
    files = tempfile.mkdtemp(prefix="soh-evidence-files-")
    yield {"url": url, "api": api_url, "db": db, "files": files, "clamd": clamd, "log": os.path.join(out, "api.log")}
    if keys is None:
        del os.environ["SOH_ANSWERS_KEYS"]
    stop_api(api)
    stop(servers)
    clamd.stop()


def make_file(folder, name, data):
    path = os.path.join(folder, name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def upload_status(api_url, form, force, upload_id):
    request = urllib.request.Request(f"{api_url}/v1/forces/{force}/forms/{form}/uploads/{upload_id}", headers={"Tus-Resumable": "1.0.0"})
    with urllib.request.urlopen(request) as r:
        return json.loads(r.read())


def asb_until_files(b, base, welsh=False):
    b.get(base + ("/cy/rhoi-gwybod/ymddygiad-gwrthgymdeithasol/form/" if welsh else "/report/anti-social-behaviour/form/"))
    go_to_page(b, "A oes unrhyw un mewn perygl nawr?" if welsh else "Is anyone in danger now?")
    choose(b, "q-in-danger-2")
    cont(b)
    go_to_page(b, "Yr ymddygiad" if welsh else "The behaviour")
    choose(b, "q-behaviour-types-1")
    fill(b, "q-behaviour-description", "A group shouting and kicking bins every night.")
    choose(b, "q-how-often-1")
    date(b, "q-last-happened", "3", "2", "2026")
    pick_area(b, "Maidst" if not welsh else "Cardi", "maidstone" if not welsh else "cardiff")
    fill(b, "q-location", "Outside the shops on the High Street")
    cont(b)
    go_to_page(b, "Lluniau neu fideos" if welsh else "Photos or videos")


def items(b):
    return b.find_elements(By.CSS_SELECTOR, "#q-evidence-files-files li")


def test_files_are_uploaded_listed_removed_and_sent_with_the_report(browser, evidence):
    b = browser
    asb_until_files(b, evidence["url"]("kent"))
    photo = JPEG_HEAD + os.urandom(200_000)
    first = make_file(evidence["files"], "bins.jpg", photo)
    second = make_file(evidence["files"], "second.jpg", JPEG_HEAD + os.urandom(5000))
    chooser = b.find_element(By.ID, "q-evidence-files")
    chooser.send_keys(first + "\n" + second)
    assert wait_for(lambda: len(items(b)) == 2 and all("Uploaded" in li.text for li in items(b)), 30), [li.text for li in items(b)]
    violations = run_axe(b)
    assert violations == [], describe(violations)
    # Removed with the keyboard: the remove button names the file to a screen reader.
    remove = items(b)[1].find_element(By.CSS_SELECTOR, "button")
    assert remove.text.replace("\n", " ").strip() == "Remove second.jpg"
    remove.send_keys(Keys.ENTER)
    assert wait_for(lambda: len(items(b)) == 1)
    assert b.switch_to.active_element.get_attribute("id") == "q-evidence-files"
    assert "second.jpg removed" in b.find_element(By.CSS_SELECTOR, "#q-evidence-files-files + [aria-live=polite]").get_attribute("textContent")
    cont(b)
    go_to_page(b, "About you")
    fill(b, "q-full-name", "Sam Jones")
    fill(b, "q-email", "sam@example.com")
    address(b, "q-home-address", "1 High Street", "Maidstone", "ME14 1XX")
    cont(b)
    go_to_page(b, "Check your answers")
    assert "bins.jpg" in b.find_element(By.TAG_NAME, "main").text
    cont(b)
    go_to_page(b, "Send your report")
    choose(b, "q-confirm")
    cont(b)
    assert wait_for(lambda: "/confirmation/" in b.current_url, 20), b.current_url
    # The report holds the upload, scanned clean, its bytes exactly those chosen.
    exported = subprocess.run([SOH, "submissions", "export", "--force", "kent", "--db", evidence["db"]], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    report = json.loads(exported.stdout.splitlines()[-1])
    ids = report["answers"]["evidence-files"]
    assert len(ids) == 1
    status = upload_status(evidence["api"], "anti-social-behaviour", "kent", ids[0])
    assert status["name"] == "bins.jpg" and status["sha256"] == hashlib.sha256(photo).hexdigest()


def test_an_upload_goes_on_after_the_connection_goes_away(browser, evidence):
    b = browser
    asb_until_files(b, evidence["url"]("kent"))
    video = bytes(4) + b"ftypmp42" + os.urandom(13 * 1024 * 1024)
    path = make_file(evidence["files"], "dashcam.mp4", video)
    # Slow enough that the connection can be cut part-way.
    b.set_network_conditions(offline=False, latency=5, download_throughput=4 * 1024 * 1024, upload_throughput=2 * 1024 * 1024)
    b.find_element(By.ID, "q-evidence-files").send_keys(path)
    assert wait_for(lambda: items(b) and "Uploading" in items(b)[0].text and not items(b)[0].text.endswith(" 0%"), 30), [li.text for li in items(b)]
    b.set_network_conditions(offline=True, latency=0, download_throughput=0, upload_throughput=0)
    time.sleep(3)
    assert "Uploaded" not in items(b)[0].text
    b.set_network_conditions(offline=False, latency=0, download_throughput=100 * 1024 * 1024, upload_throughput=100 * 1024 * 1024)
    assert wait_for(lambda: "Uploaded" in items(b)[0].text, 90), items(b)[0].text
    # What the API kept is the whole file, byte for byte.
    drafts = b.execute_script("return Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k))")
    ids = [i for d in drafts for i in (json.loads(d).get("answers") or {}).get("evidence-files", [])]
    assert len(ids) == 1, drafts
    status = upload_status(evidence["api"], "anti-social-behaviour", "kent", ids[0])
    assert status["received"] == len(video) and status["mediaType"] == "video/mp4"
    assert wait_for(lambda: upload_status(evidence["api"], "anti-social-behaviour", "kent", ids[0])["state"] == "clean", 30)
    assert upload_status(evidence["api"], "anti-social-behaviour", "kent", ids[0])["sha256"] == hashlib.sha256(video).hexdigest()


def test_an_infected_file_is_named_in_welsh(browser, evidence):
    b = browser
    asb_until_files(b, evidence["url"]("south-wales"), welsh=True)
    path = make_file(evidence["files"], "firws.jpg", JPEG_HEAD + EICAR)
    b.find_element(By.ID, "q-evidence-files").send_keys(path)
    expected = "Mae firws.jpg yn cynnwys feirws: dilëwch hi o'ch dyfais a dewiswch ffeil arall"
    assert wait_for(lambda: items(b) and expected in items(b)[0].text, 30), [li.text for li in items(b)]
    # Going on names it in the error summary, and nothing else typed is lost.
    cont(b)
    summary = b.find_element(By.CSS_SELECTOR, "[data-error-summary]")
    assert wait_for(lambda: summary.is_displayed())
    assert expected in summary.text
    violations = run_axe(b)
    assert violations == [], describe(violations)
    # Removed, the page goes on.
    items(b)[0].find_element(By.CSS_SELECTOR, "button").click()
    cont(b)
    go_to_page(b, "Amdanoch chi")


def test_without_javascript_the_files_go_with_the_form(browser_without_js, evidence):
    from selenium.webdriver.support.ui import Select
    b = browser_without_js
    b.get(evidence["url"]("kent") + "/report/anti-social-behaviour/form/")
    choose(b, "q-in-danger-2")
    choose(b, "q-behaviour-types-2")
    fill(b, "q-behaviour-description", "Dealing outside the shops.")
    choose(b, "q-how-often-1")
    date(b, "q-last-happened", "3", "2", "2026")
    Select(b.find_element(By.ID, "q-area")).select_by_value("maidstone")
    fill(b, "q-location", "High Street car park")
    photo = JPEG_HEAD + os.urandom(300_000)
    b.find_element(By.ID, "q-evidence-files").send_keys(make_file(evidence["files"], "car-park.jpg", photo))
    fill(b, "q-full-name", "Sam Jones")
    fill(b, "q-email", "sam@example.com")
    address(b, "q-home-address", "1 High Street", "Maidstone", "ME14 1XX")
    choose(b, "q-confirm")
    b.find_element(By.CSS_SELECTOR, "[data-submit]").click()
    assert wait_for(lambda: "/confirmation/" in b.current_url, 20), b.current_url
    exported = subprocess.run([SOH, "submissions", "export", "--force", "kent", "--db", evidence["db"]], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr
    reports = [json.loads(line) for line in exported.stdout.splitlines()]
    mine = [r for r in reports if r["answers"].get("behaviour-description") == "Dealing outside the shops."]
    assert len(mine) == 1
    ids = mine[0]["answers"]["evidence-files"]
    assert wait_for(lambda: upload_status(evidence["api"], "anti-social-behaviour", "kent", ids[0])["state"] == "clean", 30)
    status = upload_status(evidence["api"], "anti-social-behaviour", "kent", ids[0])
    assert status["name"] == "car-park.jpg" and status["sha256"] == hashlib.sha256(photo).hexdigest()
