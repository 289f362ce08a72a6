"""What the browser tests say when they cannot run: what is missing, and how to install only that."""

from __future__ import annotations

#: How to install each missing piece (Playwright's own browser download is never needed).
HOW_TO_INSTALL = {
    "playwright": "`pip install playwright` (or `pip install .[test]`)",
    "chromium": "`apt-get install chromium`, or SIGNALWIRE_CHROMIUM=/path/to/chromium",
}


def browser_skip_reason(missing: dict[str, str]) -> str:
    """
    Say what the browser tests lack and how to install only that.

    :param missing: what is missing, as ``{"playwright" or "chromium": what is wrong}``.
    """
    return (
        f"BROWSER TESTS NOT RUN: missing {' and '.join(missing.values())}; "
        f"to run them: {' and '.join(HOW_TO_INSTALL[piece] for piece in missing)}. "
        "With CI=true they fail instead of skipping."
    )
