"""The browser tests reuse the end-to-end stack (real intake and worker processes) and drive
Debian's headless Chromium (``apt-get install chromium chromium-driver``): Selenium is
pointed at both binaries, so nothing downloads a browser. Without them the tests skip."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.browser.helpers import PHONE, binary
from tests.e2e.conftest import stack_factory

__all__ = ["browser", "chromium", "stack_factory"]

Chromium = Callable[[], Any]
"""Starts one more headless Chromium (a separate browser: its own tabs and storage)."""


@pytest.fixture
def chromium() -> Iterator[Chromium]:
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -e '.[dev]')")
    chromium_path = binary("chromium", "chromium-browser")
    driver_path = binary("chromedriver")
    if chromium_path is None or driver_path is None:
        pytest.skip("Chromium not installed: apt-get install -y chromium chromium-driver")
    drivers: list[Any] = []

    def start() -> Any:
        options = webdriver.ChromeOptions()
        options.binary_location = chromium_path
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
            options.add_argument(arg)
        # a phone-sized viewport (a plain window cannot be made that narrow)
        metrics = {"width": PHONE[0], "height": PHONE[1], "pixelRatio": 1}
        options.add_experimental_option("mobileEmulation", {"deviceMetrics": metrics})
        # the console, read for Content-Security-Policy violations
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
        driver.set_page_load_timeout(30)
        drivers.append(driver)
        return driver

    try:
        yield start
    finally:
        for driver in drivers:
            driver.quit()


@pytest.fixture
def browser(chromium: Chromium) -> Any:
    return chromium()
