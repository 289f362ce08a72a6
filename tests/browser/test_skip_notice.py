"""The notice of skipped browser tests names only what is missing."""

from __future__ import annotations

from skip_notice import browser_skip_reason


def test_missing_chromium_alone_does_not_ask_for_playwright() -> None:
    reason = browser_skip_reason({"chromium": "Chromium (no `chromium` on PATH)"})
    assert "apt-get install chromium" in reason
    assert "playwright" not in reason


def test_missing_playwright_alone_does_not_ask_for_chromium() -> None:
    reason = browser_skip_reason({"playwright": "the `playwright` Python package"})
    assert "pip install playwright" in reason
    assert "apt-get" not in reason


def test_both_missing_names_both_installs() -> None:
    reason = browser_skip_reason({"playwright": "the package", "chromium": "Chromium"})
    assert reason.startswith("BROWSER TESTS NOT RUN: missing the package and Chromium;")
    assert "pip install playwright" in reason and "apt-get install chromium" in reason
