"""Fixtures of the page's browser tests: screenshots per test (the one headless Chromium is in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .support import Shots


@pytest.fixture
def shots(tmp_path: Path) -> Shots:
    return Shots(tmp_path / "screenshots")
