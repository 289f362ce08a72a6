"""
The 13 Conferences operations of the Compatibility API: path, method, and what each answers.

For every operation: its success status and body schema, and the error statuses the spec
documents with the shape of each (the error object, or the array of strings that stream start,
stream stop and recording update use for 422).
"""

from __future__ import annotations

from dataclasses import dataclass

from contract_schemas import (
    CONFERENCE,
    CONFERENCE_PAGE,
    CONFERENCE_RECORDING,
    ERROR_OBJECT,
    ERROR_STRINGS,
    PARTICIPANT,
    PARTICIPANT_PAGE,
    RECORDING_PAGE,
    STREAM,
    Schema,
)

CONFERENCES = "/Conferences"
CONFERENCE_PATH = "/Conferences/{conference}"
PARTICIPANTS = "/Conferences/{conference}/Participants"
PARTICIPANT_PATH = "/Conferences/{conference}/Participants/{participant}"
RECORDINGS = "/Conferences/{conference}/Recordings"
RECORDING_PATH = "/Conferences/{conference}/Recordings/{recording}"
STREAMS = "/Conferences/{conference}/Streams"
STREAM_PATH = "/Conferences/{conference}/Streams/{stream}"

#: Every path and the methods it has.
PATH_METHODS = {
    CONFERENCES: ("GET",),
    CONFERENCE_PATH: ("GET", "POST"),
    PARTICIPANTS: ("GET",),
    PARTICIPANT_PATH: ("GET", "POST", "DELETE"),
    RECORDINGS: ("GET",),
    RECORDING_PATH: ("GET", "POST", "DELETE"),
    STREAMS: ("POST",),
    STREAM_PATH: ("POST",),
}


@dataclass(frozen=True)
class Operation:
    """
    One operation of the spec.

    :param name: its operation ID.
    :param method: HTTP method.
    :param path: path below ``/Accounts/{AccountSid}``, with ``{placeholders}``.
    :param success: 200 or 204.
    :param body: schema of the success body (``None`` for 204).
    :param errors: documented error status to the schema of its body.
    """

    name: str
    method: str
    path: str
    success: int
    body: Schema | None
    errors: dict[int, Schema]

    @property
    def statuses(self) -> frozenset[int]:
        """Every status the spec documents for this operation."""
        return frozenset({self.success, *self.errors})

    def schema(self, status: int) -> Schema | None:
        """
        The schema of the answer with ``status`` (405 and 415 carry the error object).

        :param status: the status received.
        """
        if status == self.success:
            return self.body
        return self.errors.get(status, ERROR_OBJECT if status in (405, 415) else None)


def _errors(*statuses: int, strings_for_422: bool = False) -> dict[int, Schema]:
    return {
        status: ERROR_STRINGS if status == 422 and strings_for_422 else ERROR_OBJECT
        for status in statuses
    }


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("list_all_conferences", "GET", CONFERENCES, 200, CONFERENCE_PAGE,
                  _errors(400, 401, 422)),
        Operation("retrieve_conference", "GET", CONFERENCE_PATH, 200, CONFERENCE,
                  _errors(400, 401, 404)),
        Operation("update_conference", "POST", CONFERENCE_PATH, 200, CONFERENCE,
                  _errors(400, 401, 404, 422, 503)),
        Operation("list_all_participants", "GET", PARTICIPANTS, 200, PARTICIPANT_PAGE,
                  _errors(400, 401, 404, 422)),
        Operation("retrieve_participant", "GET", PARTICIPANT_PATH, 200, PARTICIPANT,
                  _errors(400, 401, 404)),
        Operation("update_participant", "POST", PARTICIPANT_PATH, 200, PARTICIPANT,
                  _errors(400, 401, 404, 422)),
        Operation("delete_participant", "DELETE", PARTICIPANT_PATH, 204, None,
                  _errors(400, 401, 404, 422)),
        Operation("list_conference_recordings", "GET", RECORDINGS, 200, RECORDING_PAGE,
                  _errors(400, 401, 404, 422)),
        Operation("get_conference_recording", "GET", RECORDING_PATH, 200, CONFERENCE_RECORDING,
                  _errors(400, 401, 404)),
        Operation("update_conference_recording", "POST", RECORDING_PATH, 200,
                  CONFERENCE_RECORDING, _errors(400, 401, 404, 422, 503, strings_for_422=True)),
        Operation("delete_conference_recording", "DELETE", RECORDING_PATH, 204, None,
                  _errors(400, 401, 404)),
        Operation("create_conference_stream", "POST", STREAMS, 200, STREAM,
                  _errors(400, 401, 404, 422, strings_for_422=True)),
        Operation("update_conference_stream", "POST", STREAM_PATH, 200, STREAM,
                  _errors(400, 401, 404, 422, strings_for_422=True)),
    )
}  # fmt: skip
