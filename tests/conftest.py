"""Test configuration shared by every test module."""

from __future__ import annotations

import os

from hypothesis import settings

# In CI, Hypothesis runs the same examples every time: a red build is then reproducible, and a
# newly found counterexample shows up in a local run (random) instead of failing someone's merge.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")
