"""How the archive names a stored file in OpenLineage, whichever way Airflow spells its path."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from airflow_provider_signalwire.transfers._lineage import storage_dataset


@dataclass
class StoredPath:
    """The parts of an ``ObjectStoragePath`` the naming reads."""

    protocol: str
    namespace: str
    path: str
    key: str


#: (protocol, namespace as Airflow gives it, path, key) -> (dataset namespace, dataset name)
NAMES = {
    "s3 bucket": (("s3", "s3://calls", "calls/2026/a.wav", "2026/a.wav"),
                  ("s3://calls", "2026/a.wav")),
    "s3 with a connection id (Airflow 3.1)": (
        ("s3", "s3://aws_archive@calls", "calls/2026/a.wav", "2026/a.wav"),
        ("s3://calls", "2026/a.wav")),
    "gcs with a connection id": (("gs", "gs://google@bucket", "bucket/x.wav", "x.wav"),
                                 ("gs://bucket", "x.wav")),
    "a namespace without a scheme is kept": (("memory", "memory", "/a/b.wav", "a/b.wav"),
                                             ("memory", "a/b.wav")),
    "local file": (("file", "file://", "/data/a.wav", "data/a.wav"), ("file", "/data/a.wav")),
    "local, no protocol": (("", "", "/data/a.wav", "data/a.wav"), ("file", "/data/a.wav")),
    "local protocol": (("local", "local://", "/data/a.wav", "data/a.wav"),
                       ("file", "/data/a.wav")),
}  # fmt: skip


@pytest.mark.parametrize(("parts", "expected"), NAMES.values(), ids=list(NAMES))
def test_the_dataset_is_the_bucket_s_whichever_connection_reached_it(
    parts: tuple[str, str, str, str], expected: tuple[str, str]
) -> None:
    dataset = storage_dataset(StoredPath(*parts))  # type: ignore[arg-type]
    assert (dataset.namespace, dataset.name) == expected
