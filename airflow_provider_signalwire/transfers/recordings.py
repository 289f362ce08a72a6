"""
Archive a conference's recordings into object storage (``file://``, ``s3://``, ``gs://``, ...).

The operator lists the recordings through :class:`SignalWireHook` and streams each one's media
into an :class:`~airflow.sdk.ObjectStoragePath`; the hook does the HTTP, this module the storage.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from airflow_provider_signalwire.exceptions import (
    SignalWireCancelledError,
    SignalWireError,
    SignalWireValidationError,
)
from airflow_provider_signalwire.hooks._api import (
    MEDIA_FORMATS,
    check_max_concurrency,
    choice,
    validate_sid,
)
from airflow_provider_signalwire.hooks._batch import BatchInFlight
from airflow_provider_signalwire.operators.conference import (
    CONNECTION_FIELDS,
    SignalWireBaseOperator,
)
from airflow_provider_signalwire.transfers._storage import (
    DownloadCancelledError,
    RecordingFile,
    existing_size,
    remove_stale_parts,
    require_regular_file_or_nothing,
    stale_parts,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from airflow.providers.openlineage.extractors import OperatorLineage
    from airflow.sdk import Context, ObjectStoragePath


class ConferenceRecordingsToStorageOperator(SignalWireBaseOperator):
    """
    Copy every completed recording of a conference into object storage, streamed and exact.

    Each recording goes to ``{destination}/{conference_sid}/{recording_sid}.{format}``. Its media
    is downloaded from the recording's public media URL (no credentials are sent; redirects are
    never followed) in chunks, hashed with SHA-256 on the way and written under a temporary name
    in the same folder; it is moved to its final name only when the bytes written match the
    announced ``Content-Length``, so no partial file ever shows under a final name. A transient
    failure (connection reset, cut-off body, 429, 5xx) starts that file over, within the retry
    knobs. A recording whose file already exists with the size SignalWire announces is skipped
    (asked with ``HEAD``; nothing is downloaded), unless ``overwrite``. A recording that is not
    ``completed`` yet is skipped with a WARNING.

    Returns, and pushes under the XCom key ``archived``, one dict per recording in listing order:
    ``recording_sid``, ``path`` (its final URI), ``bytes``, ``sha256`` (``None`` unless downloaded
    by this run) and ``skipped``; a recording that failed also has ``error`` and ``error_type``.
    One recording's failure, whatever it is (an odd answer from SignalWire, a full disk), does not
    stop the others: the task fails after the batch, and ``archived`` is always pushed before it
    fails (an empty list if the recordings could not even be listed; the recordings not finished
    when the task was killed or timed out are reported as ``DownloadCancelledError``).

    Only a regular file at a final path counts: a folder or a link there makes that recording's
    outcome an error (``NotARegularFileError``), and nothing is reported as archived that is not on
    disk as a regular file of the reported size. Temporary files are named
    ``.{recording_sid}.{format}.{32 hex digits}.part``; those a killed run left behind are removed
    by the next run, for each recording it handles.

    With ``apache-airflow-providers-openlineage`` installed (extra ``openlineage``), the run's
    lineage has the recordings as inputs (namespace ``signalwire://{space host}``, name
    ``{account}/conferences/{conference_sid}/recordings/{recording_sid}``) and the stored files as
    outputs.

    :param conference_sid: the conference whose recordings are archived (templated).
    :param destination: folder URI or :class:`~airflow.sdk.ObjectStoragePath` (templated), e.g.
        ``file:///data/recordings`` or ``s3://aws_default@bucket/recordings``.
    :param format: media format, ``wav`` or ``mp3``.
    :param overwrite: download even when the file exists with the same size.
    :param max_concurrency: most downloads at once (1-64).
    :param signalwire_conn_id: the ``signalwire`` connection to use (templated).
    :param account_sid: defaults to the connection's Project ID (templated).
    :param max_attempts: attempts per API call and per file, the first one included.
    :param initial_backoff: seconds before the second attempt; doubles with every attempt.
    :param max_backoff: cap of the exponential wait, in seconds.
    """

    template_fields: Sequence[str] = ("conference_sid", "destination", *CONNECTION_FIELDS)

    def __init__(
        self,
        *,
        conference_sid: str,
        destination: str | ObjectStoragePath,
        format: str = "wav",
        overwrite: bool = False,
        max_concurrency: int = 4,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conference_sid = conference_sid
        self.destination = destination
        self.format = choice("format", format, MEDIA_FORMATS)
        if not isinstance(overwrite, bool):
            raise SignalWireValidationError(f"Invalid overwrite {overwrite!r}: expected a bool.")
        self.overwrite = overwrite
        self.max_concurrency = check_max_concurrency(max_concurrency)
        self._stored: list[tuple[str, ObjectStoragePath]] = []
        self._lineage_source: tuple[str, str, str] | None = None
        self._cancel: threading.Event | None = None
        self._pushed = False

    def _hook_kwargs(self) -> dict[str, Any]:
        return {"pool_size": self.max_concurrency}

    def call_signalwire(self, context: Context) -> list[dict[str, Any]]:
        """Archive the recordings; push and return one outcome per recording."""
        self._pushed = False
        try:
            return self._archive(context)
        except BaseException:
            if not self._pushed:  # failed before any recording was tried: say so, still
                context["ti"].xcom_push(key="archived", value=[])
            raise

    def _archive(self, context: Context) -> list[dict[str, Any]]:
        conference_sid = validate_sid("conference_sid", self.conference_sid)
        folder = _destination(self.destination) / conference_sid
        account = (
            self.hook.settings.project_id
            if self.account_sid is None
            else validate_sid("account_sid", self.account_sid)
        )
        recordings = list(self.hook.list_recordings(conference_sid, account_sid=account))
        self.log.info(
            "Archiving %d recording(s) of conference %s to %s (%s, at most %d at once)",
            len(recordings),
            conference_sid,
            folder,
            self.format,
            self.max_concurrency,
        )
        self._lineage_source = (
            urlsplit(self.hook.settings.base_url).netloc,
            account,
            conference_sid,
        )
        results = self._archive_all(recordings, folder, account, context)
        archived = [outcome for outcome, _ in results]
        failed = [outcome for outcome in archived if "error" in outcome]
        downloaded = sum(1 for o in archived if not o["skipped"] and "error" not in o)
        self.log.info(
            "Conference %s: %d recording(s) downloaded, %d skipped, %d failed",
            conference_sid,
            downloaded,
            len(archived) - downloaded - len(failed),
            len(failed),
        )
        for outcome in failed:
            self.log.error("Recording %s: %s", outcome["recording_sid"], outcome["error"])
        if failed:
            raise SignalWireError(
                f"{len(failed)} of {len(archived)} recordings of conference {conference_sid} "
                "could not be archived."
            )
        return archived

    def _archive_all(
        self,
        recordings: list[Any],
        folder: ObjectStoragePath,
        account: str,
        context: Context,
    ) -> list[tuple[dict[str, Any], ObjectStoragePath | None]]:
        """Archive every recording on the pool; push ``archived`` whatever happens, then return."""
        self.hook.media  # noqa: B018 - build the media session once, before the threads share it
        cancel = self._cancel = threading.Event()
        leftovers = stale_parts(folder)

        in_flight = BatchInFlight()
        finished: dict[int, tuple[dict[str, Any], ObjectStoragePath | None]] = {}

        def archive(index: int) -> tuple[dict[str, Any], ObjectStoragePath | None]:
            if not in_flight.begin():
                return _dropped(recordings[index]), None  # interrupted before it began
            try:
                result = self._archive_one(recordings[index], folder, account, cancel, leftovers)
                finished[index] = result
                return result
            finally:
                in_flight.end()

        pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="signalwire-archive")
        try:
            futures = [pool.submit(archive, index) for index in range(len(recordings))]
            results = [future.result() for future in futures]
        except BaseException:
            cancel.set()  # a timeout or kill raised here: stop the downloads, do not wait them out
            in_flight.close()
            pool.shutdown(wait=True, cancel_futures=True)
            in_flight.wait()  # none outlives the task, even one shutdown() did not know of
            self._cancel = None
            interrupted = [
                finished.get(index, (_dropped(recording), None))
                for index, recording in enumerate(recordings)
            ]
            self._push(context, interrupted)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self._cancel = None
        self._push(context, results)
        return results

    def _push(
        self,
        context: Context,
        results: list[tuple[dict[str, Any], ObjectStoragePath | None]],
    ) -> None:
        self._stored = [(o["recording_sid"], p) for o, p in results if p is not None]
        context["ti"].xcom_push(key="archived", value=[outcome for outcome, _ in results])
        self._pushed = True

    def on_kill(self) -> None:
        """
        Stop now: requests in flight are cut off and no new one starts.

        The listing or any download in flight ends at once; each download drops its temporary
        file, and the recordings not started are reported as not started.
        """
        cancel = self._cancel
        if cancel is not None:
            cancel.set()
        super().on_kill()

    def _archive_one(
        self,
        recording: Any,
        folder: ObjectStoragePath,
        account: str,
        cancel: threading.Event,
        leftovers: dict[str, list[str]],
    ) -> tuple[dict[str, Any], ObjectStoragePath | None]:
        """Archive one recording; return its outcome and its stored path (``None`` if none)."""
        listed = recording if isinstance(recording, dict) else {}
        outcome = _outcome(listed.get("sid"))
        try:
            # Validated before it names a file: a SID can never climb out of the folder.
            sid = validate_sid("recording_sid", listed.get("sid"))
            final = folder / f"{sid}.{self.format}"
            outcome["path"] = str(final)
            removed = remove_stale_parts(folder, leftovers.get(final.name, []))
            if removed:
                self.log.info(
                    "Recording %s: removed %d partial file(s) an earlier run left", sid, removed
                )
            status = listed.get("status")
            if status != "completed":
                self.log.warning("Recording %s is %s, not completed yet: skipped", sid, status)
                outcome["skipped"] = True
                return outcome, None
            if cancel.is_set():
                raise DownloadCancelledError(f"Recording {sid}: the task is stopping; not started")
            self._copy(sid, final, account, outcome, cancel)
        except Exception as err:  # one recording's odd answer never aborts the others
            if isinstance(err, SignalWireCancelledError):  # on_kill cut the request off
                err = DownloadCancelledError(
                    f"Recording {outcome['recording_sid']}: the task is stopping; download dropped"
                )
            elif not isinstance(err, SignalWireError | OSError):
                self.log.exception("Recording %s: unexpected failure", outcome["recording_sid"])
            outcome.update(bytes=None, sha256=None, skipped=False)
            outcome["error"] = str(err) or type(err).__name__
            outcome["error_type"] = type(err).__name__
            return outcome, None
        return outcome, final

    def _copy(
        self,
        sid: str,
        final: ObjectStoragePath,
        account: str,
        outcome: dict[str, Any],
        cancel: threading.Event,
    ) -> None:
        """Download one recording unless it is already there; fill in its outcome."""
        require_regular_file_or_nothing(final)
        kept = None if self.overwrite else existing_size(final)
        if kept is not None:
            announced = self.hook.recording_media_length(
                sid, media_format=self.format, account_sid=account
            )
            if announced == kept:
                self._skip_existing(sid, final, kept, outcome)
                return
        target = RecordingFile(final, keep_size=kept, cancel=cancel)
        try:
            download = self.hook.download_recording_media(
                sid, target, media_format=self.format, account_sid=account
            )
            if download.declined and kept is not None:
                self._skip_existing(sid, final, kept, outcome)
                return
            outcome["sha256"] = target.commit()
        finally:
            target.discard()
        outcome["bytes"] = download.received
        self.log.info("Recording %s: %d bytes to %s", sid, download.received, final)

    def _skip_existing(
        self, sid: str, final: ObjectStoragePath, size: int, outcome: dict[str, Any]
    ) -> None:
        self.log.info("Recording %s is already at %s (%d bytes): skipped", sid, final, size)
        outcome["bytes"] = size
        outcome["skipped"] = True

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> OperatorLineage:  # type: ignore[type-arg]
        """Return the recordings read and the files they are stored in (OpenLineage provider)."""
        from airflow_provider_signalwire.transfers._lineage import archive_lineage

        host, account, conference_sid = self._lineage_source or ("", "", "")
        return archive_lineage(host, account, conference_sid, self._stored)


def _outcome(sid: Any) -> dict[str, Any]:
    return {
        "recording_sid": sid if isinstance(sid, str) else None,
        "path": None,
        "bytes": None,
        "sha256": None,
        "skipped": False,
    }


def _dropped(recording: Any) -> dict[str, Any]:
    sid = recording.get("sid") if isinstance(recording, dict) else None
    outcome = _outcome(sid)
    outcome["error"] = f"Recording {outcome['recording_sid']}: the task is stopping; not finished"
    outcome["error_type"] = DownloadCancelledError.__name__
    return outcome


def _destination(value: Any) -> ObjectStoragePath:
    """Turn the rendered ``destination`` into a path, refusing what cannot be one."""
    from airflow.sdk import ObjectStoragePath

    if isinstance(value, ObjectStoragePath):
        return value
    if not isinstance(value, str) or not value.strip():
        raise SignalWireValidationError(
            f"Invalid destination {value!r}: expected a folder URI such as "
            "'file:///data/recordings' or an ObjectStoragePath."
        )
    return ObjectStoragePath(value.strip())
