"""Fixtures shared by the browser tests (tests/test_browser.py and
tests/test_browser_pages.py): Debian's Chromium and one Playwright browser for the
whole session (Playwright's sync API allows only one at a time)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _run(command: list[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=1800, check=False
    )
    if result.returncode:
        pytest.fail(
            f"{' '.join(command)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed with apt-get if it is not there yet."""
    if not CHROMIUM.exists():
        if os.geteuid() != 0:
            pytest.fail(
                f"{CHROMIUM} is missing; install it as root: apt-get install chromium"
            )
        _run(["apt-get", "update"])
        _run(["apt-get", "install", "-y", "chromium"])
    if not CHROMIUM.exists():
        pytest.fail(f"apt-get installed chromium but {CHROMIUM} is missing")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Any]:
    """One Chromium for every browser test (tests/test_browser_pages.py too)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(
            "Playwright's Python package is missing: pip install -e '.[test]' "
            "(or pip install playwright)"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()
