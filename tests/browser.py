"""What every browser test shares: Debian's chromium driven by Playwright (no browser download).

Importing this module skips the importing test module when Playwright is missing; `NEEDS_CHROMIUM`
skips it when chromium is (`.ci/install-browser` installs it). FLAGS keep headless Chromium off the
network this machine does not have.
"""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
async_api = pytest.importorskip("playwright.async_api", reason="playwright is not installed")
NEEDS_CHROMIUM = pytest.mark.skipif(shutil.which("chromium") is None,
                                    reason="chromium not installed (.ci/install-browser)")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
