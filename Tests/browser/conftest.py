"""Browser tests: built sites served on 127.0.0.1, driven by headless Chromium through Selenium.

The sites come from SOH_PUBLIC (a `soh build --out` folder), built by `make test` beforehand.
Each force is served at the root of its own ephemeral port, as it will be published.
"""
import base64
import functools
import http.server
import os
import socket
import subprocess
import tempfile
import threading
import time

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOH = os.environ.get("SOH_BINARY", os.path.join(ROOT, ".build", "debug", "soh"))
PUBLIC = os.environ.get("SOH_PUBLIC", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "test-public"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_api(arguments, log_path):
    """`soh api` with `arguments` (an answers key of its own unless the run has one), its log in
    `log_path`; returns the process once it listens. Stop it with `stop_api`."""
    env = dict(os.environ, SOH_ANSWERS_KEYS=os.environ.get("SOH_ANSWERS_KEYS") or "test:" + base64.b64encode(os.urandom(32)).decode())
    log = open(log_path, "w")
    process = subprocess.Popen([SOH, "api", "--rate-limit", "0", "--drain-seconds", "0", *arguments],
                               stdout=subprocess.PIPE, stderr=log, env=env, text=True)
    for line in process.stdout:
        if "listening on http://" in line:
            threading.Thread(target=process.stdout.read, daemon=True).start()
            process.log = log
            return process
    log.close()
    raise AssertionError("soh api did not start: " + open(log_path).read())


def stop_api(process):
    process.terminate()
    process.wait(timeout=20)
    process.log.close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def wait_for(condition, timeout=10):
    """Polls `condition` until it is true (exceptions count as not yet); False after `timeout` seconds."""
    end = time.time() + timeout
    while time.time() < end:
        try:
            if condition():
                return True
        except Exception:
            pass
        time.sleep(0.05)
    return False


def serve_sites(public):
    """Returns (url function, servers): force id → base URL of that force's site served from `public`."""
    servers = {}

    def url(force):
        if force not in servers:
            root = os.path.join(public, force)
            assert os.path.isdir(root), f"{root} is missing: build the sites first (make test does)"
            handler = functools.partial(QuietHandler, directory=root)
            server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers[force] = server
        return f"http://127.0.0.1:{servers[force].server_address[1]}"

    return url, servers


def stop(servers):
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def site_url():
    """Returns a function: force id → base URL of that force's site on a local server."""
    url, servers = serve_sites(PUBLIC)
    yield url
    stop(servers)


@pytest.fixture(scope="session")
def api():
    from stub_api import StubAPI
    stub = StubAPI()
    yield stub
    stub.close()


@pytest.fixture(scope="session")
def form_site(api):
    """Sites built to post to the stub API: returns force id → base URL."""
    out = tempfile.mkdtemp(prefix="soh-forms-")
    subprocess.run([SOH, "build", "--root", ROOT, "--out", out, "--api", api.url,
                    "--force", "kent", "--force", "south-wales"], check=True, capture_output=True)
    url, servers = serve_sites(out)
    yield url
    stop(servers)


def make_driver(javascript=True, width=1024, height=900):
    options = Options()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}",
                # No request leaves the machine: other hosts fail at once.
                "--host-resolver-rules=MAP localhost 127.0.0.1, MAP *.localhost 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
        options.add_argument(arg)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    return driver


def axe_source():
    """axe-core 4.x, from the axe-playwright-python package (axe-selenium-python ships 3.1, which
    predates the WCAG 2.1 and 2.2 rules)."""
    import axe_playwright_python
    path = os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")
    with open(path, encoding="utf-8") as f:
        return f.read()


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def run_axe(driver, tags=WCAG_TAGS):
    """Runs axe-core on the current page; returns its violations (each with id, help, nodes)."""
    driver.set_script_timeout(60)
    driver.execute_script(axe_source())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
        ".then(r => done(r.violations)).catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));",
        tags)
    return result


def describe(violations):
    return "; ".join(f"{v['id']}: {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in violations)


@pytest.fixture
def browser():
    driver = make_driver()
    yield driver
    driver.quit()


@pytest.fixture
def browser_without_js():
    driver = make_driver(javascript=False)
    yield driver
    driver.quit()
