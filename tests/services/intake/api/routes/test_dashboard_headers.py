"""The dashboard is served with a Content-Security-Policy and framing/sniffing headers, and
the page needs nothing the policy forbids (no inline script, style or event handler)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from services.intake.api.routes.stream import DASHBOARD_DIR
from tests.services.intake.conftest import Intake


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard",
        "/dashboard/common.js",
        "/dashboard/review.js",
        "/dashboard/app.js",
        "/dashboard/style.css",
    ],
)
def test_dashboard_files_carry_the_security_headers(intake: Intake, path: str) -> None:
    answer = intake.api.get(path)
    assert answer.status_code == 200
    policy = {
        part.split()[0]: part.split()[1:]
        for part in answer.headers["Content-Security-Policy"].split(";")
        if part.strip()
    }
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Referrer-Policy"] == "no-referrer"


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str | None] = []
        self.inline: list[str] = []
        self.stylesheets: list[str | None] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append(found.get("src"))
        if tag == "style":
            self.inline.append("<style>")
        if tag == "link" and found.get("rel") == "stylesheet":
            self.stylesheets.append(found.get("href"))
        for name, _ in attrs:
            if name == "style" or name.startswith("on"):
                self.inline.append(f"{tag} {name}=")

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline.append("inline script")


def test_the_page_loads_only_its_own_files_under_the_policy() -> None:
    page = _Page()
    page.feed((DASHBOARD_DIR / "index.html").read_text(encoding="utf-8"))
    assert page.scripts == ["/dashboard/common.js", "/dashboard/review.js", "/dashboard/app.js"]
    assert page.stylesheets == ["/dashboard/style.css"]
    assert page.inline == []
    for name in ("common.js", "review.js", "app.js"):
        script = (DASHBOARD_DIR / name).read_text(encoding="utf-8")
        # nothing the policy blocks: no eval, no inline styles or handlers set as attributes
        assert not re.search(r"\beval\(|new Function\(|setAttribute\(\s*\"(style|on)", script)
        assert not re.search(r"\binnerHTML\b|insertAdjacentHTML|document\.write", script)
