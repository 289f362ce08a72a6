"""Sphinx configuration of the documentation site (built by ``scripts/docs``)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# autodoc imports this checkout's package, not whatever version is installed.
sys.path.insert(0, str(REPO))
# Importing Airflow must never write to the user's home: an Airflow home of its own, thrown away.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="signalwire-docs-airflow-"))

from airflow_provider_signalwire import __version__  # noqa: E402

project = "airflow-provider-signalwire"
author = "airflow-provider-signalwire developers"
copyright = "airflow-provider-signalwire developers, Apache License 2.0"
release = __version__
version = __version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
# Headings get anchors so that pages can link to sections ([text](page.md#anchor)).
myst_heading_anchors = 3

autodoc_default_options = {
    "members": True,
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_class_signature = "separated"

html_theme = "furo"
html_title = f"airflow-provider-signalwire {release}"
html_static_path: list[str] = []
