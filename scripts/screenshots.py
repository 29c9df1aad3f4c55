#!/usr/bin/env python3
"""Screenshots of the home page and a service page for three forces (one Welsh), so reviewers
can see the branding. usage: screenshots.py OUT_DIR  (SOH_PUBLIC names the built sites)"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "Tests", "browser"))
from conftest import make_driver, PUBLIC  # noqa: E402
import functools, http.server, threading  # noqa: E402

FORCES = ["kent", "west-midlands", "south-wales"]
PAGES = {"home": "/", "service": "/report/crime/", "home-cy": "/cy/"}


def serve(root):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=root)
    handler.log_message = lambda *a: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"
    os.makedirs(out, exist_ok=True)
    for width, label in ((1280, "desktop"), (375, "mobile")):
        driver = make_driver(width=width, height=900)
        try:
            for force in FORCES:
                server = serve(os.path.join(PUBLIC, force))
                base = f"http://127.0.0.1:{server.server_address[1]}"
                for name, path in PAGES.items():
                    if name.endswith("-cy") and not os.path.exists(os.path.join(PUBLIC, force, "cy")):
                        continue
                    driver.get(base + path)
                    height = driver.execute_script("return document.documentElement.scrollHeight")
                    driver.set_window_size(width, min(height, 2400))
                    path_out = os.path.join(out, f"{force}-{name}-{label}.png")
                    driver.save_screenshot(path_out)
                    print(path_out)
                server.shutdown()
        finally:
            driver.quit()


if __name__ == "__main__":
    main()
