"""
The leftovers of a killed run are found whatever way the filesystem lists a folder.

``ObjectStoragePath`` wraps any fsspec filesystem, and they do not all list alike: fsspec's
reference filesystem gives names only for ``detail=False`` exactly (anything else gets info
dicts), and an HTTP index ends some names with a slash. A leftover is known by its last name
segment in every case.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from airflow_provider_signalwire.transfers._storage import stale_parts

HEX = "0123456789abcdef" * 2
LEFTOVER = f".RE1.wav.{HEX}.part"


class Listing:
    """A filesystem that only lists: names for ``detail=False``, info dicts for anything else."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def ls(self, path: str, detail: Any = True) -> list[Any]:
        if detail is False:
            return list(self.names)
        return [{"name": name, "type": "file", "size": 1} for name in self.names]


def folder_listing(*names: str) -> Any:
    """A conference folder at ``bucket/CF1`` whose filesystem lists ``names``."""
    return SimpleNamespace(path="bucket/CF1", fs=Listing(list(names)))


def test_leftovers_are_found_where_only_detail_false_lists_names() -> None:
    found = stale_parts(folder_listing(f"bucket/CF1/{LEFTOVER}", "bucket/CF1/RE1.wav"))

    assert found == {"RE1.wav": [f"bucket/CF1/{LEFTOVER}"]}


def test_a_leftover_listed_with_a_trailing_slash_is_known_by_its_name() -> None:
    found = stale_parts(folder_listing(f"bucket/CF1/{LEFTOVER}/", "bucket/CF1/notes/"))

    assert found == {"RE1.wav": [f"bucket/CF1/{LEFTOVER}/"]}
