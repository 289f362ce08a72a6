"""
OpenLineage datasets of an archive run: SignalWire recordings in, object-storage files out.

Imported only by ``get_openlineage_facets_on_complete``, which the OpenLineage provider calls when
it is installed; nothing here is loaded otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable

    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import ObjectStoragePath

_LOCAL_PROTOCOLS = frozenset({"", "file", "local"})


def recording_dataset(space_host: str, account_sid: str, conference_sid: str, sid: str) -> Any:
    """
    Name a SignalWire recording as an OpenLineage dataset.

    :param space_host: the Space's host (with its port, if the connection names one).
    :param account_sid: the account (Project ID) that owns the recording.
    :param conference_sid: the recording's conference.
    :param sid: the recording SID.
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset

    return Dataset(
        namespace=f"signalwire://{space_host}",
        name=f"{account_sid}/conferences/{conference_sid}/recordings/{sid}",
    )


def storage_dataset(path: ObjectStoragePath) -> Any:
    """
    Name a stored file as an OpenLineage dataset, as Airflow's ``file`` and object-store assets do.

    :param path: the file.
    """
    from airflow.providers.common.compat.openlineage.facet import Dataset

    if path.protocol in _LOCAL_PROTOCOLS:
        return Dataset(namespace="file", name=path.path)
    # Airflow 3.1 names s3://conn_id@bucket's namespace with the connection id in it: the
    # dataset is the bucket's, whichever connection reached it.
    scheme, separator, bucket = path.namespace.partition("://")
    namespace = f"{scheme}://{bucket.rpartition('@')[2]}" if separator else path.namespace
    return Dataset(namespace=namespace, name=path.key)


def archive_lineage(
    space_host: str,
    account_sid: str,
    conference_sid: str,
    stored: Iterable[tuple[str, ObjectStoragePath]],
) -> OperatorLineage:  # type: ignore[type-arg]
    """
    Build the lineage of one run from the recordings that are now in the destination.

    :param space_host: the Space's host.
    :param account_sid: the account (Project ID).
    :param conference_sid: the conference.
    :param stored: ``(recording_sid, path)`` of each recording downloaded or already present.
    """
    from airflow.providers.openlineage.extractors import OperatorLineage

    pairs = list(stored)
    return OperatorLineage(
        inputs=[
            recording_dataset(space_host, account_sid, conference_sid, sid) for sid, _ in pairs
        ],
        outputs=[storage_dataset(path) for _, path in pairs],
    )
