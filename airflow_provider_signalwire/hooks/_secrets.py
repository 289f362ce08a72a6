"""
Keep secrets out of logs and out of everything the provider stores or emits.

:func:`mask_secrets` registers values with the task's log masker; :func:`scrub` replaces them in a
text that is about to be stored (a trigger event, an XCom value). The connection's API token and
the ``Authorization`` values derived from it are :func:`credential_variants`.
"""

from __future__ import annotations

import base64
import functools
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"


def credential_variants(login: str | None, token: str) -> tuple[str, ...]:
    """
    Return the token and the Basic ``Authorization`` values derived from it.

    :param login: the Project ID (Basic auth user).
    :param token: the API token (Basic auth password).
    """
    try:
        basic = base64.b64encode(f"{login or ''}:{token}".encode()).decode()
    except UnicodeEncodeError:  # a lone surrogate: such a token can never be sent
        return (token,)
    return (token, basic, f"Basic {basic}")


def mask_secrets(*secrets: str) -> None:
    """
    Register secrets with this process's log masker, so task logs show ``***`` instead.

    Only the local masker is told: task logs are redacted in the task process before they leave
    it, and ``airflow.sdk.log.mask_secret`` would also send each value to the supervisor in a
    message that ``airflow dags test`` prints verbatim at DEBUG level.

    :param secrets: the values to hide; empty ones are skipped.
    """
    values = [secret for secret in secrets if secret]
    try:
        from airflow.sdk._shared.secrets_masker import _secrets_masker
    except ImportError:  # pragma: no cover - layouts other than the tested Airflow releases
        from airflow.sdk.log import mask_secret

        for secret in values:
            mask_secret(secret)
        return
    masker = _secrets_masker()
    for secret in values:
        masker.add_mask(secret)


def _forms(secrets: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Each secret as it may come back: as is, or percent-encoded (an echoed form or URL)."""
    return _forms_of(tuple(secrets))


@functools.lru_cache(maxsize=32)
def _forms_of(secrets: tuple[str, ...]) -> tuple[str, ...]:
    # Cached: a listing of 1,000 conferences scrubs some 20,000 strings with the same secrets.
    forms = {form for secret in secrets if secret for form in (secret, quote(secret, safe=""))}
    forms |= {quote_plus(secret) for secret in secrets if secret}
    return tuple(sorted(forms, key=len, reverse=True))


def scrub(text: str, secrets: tuple[str, ...] | list[str]) -> str:
    """
    Replace every occurrence of each secret in ``text`` by ``***``, longest secret first.

    Percent-encoded forms of a secret (as a server echoing a form body or a URL would show it)
    are replaced too.

    :param text: a message about to be stored or emitted.
    :param secrets: the values to remove; empty ones are skipped.
    """
    for form in _forms(secrets):
        text = text.replace(form, MASK)
    return text


def scrub_bytes(body: bytes, secrets: tuple[str, ...] | list[str]) -> bytes:
    """
    Replace each secret (UTF-8, as is or percent-encoded) in a raw body by ``***``.

    :param body: an answer's body, before anything reads it.
    :param secrets: the values to remove; empty ones are skipped.
    """
    for form in _forms(secrets):
        body = body.replace(form.encode("utf-8", "surrogatepass"), MASK.encode())
    return body


def scrub_data(data: Any, secrets: tuple[str, ...] | list[str]) -> Any:
    """
    Return ``data`` (parsed JSON) with every secret replaced in its strings, keys included.

    :param data: a JSON value about to be returned (and so stored in XCom).
    :param secrets: the values to remove; empty ones are skipped.
    """
    if not secrets:
        return data
    if isinstance(data, str):
        return scrub(data, secrets)
    if isinstance(data, dict):
        return {scrub(key, secrets): scrub_data(value, secrets) for key, value in data.items()}
    if isinstance(data, list):
        return [scrub_data(item, secrets) for item in data]
    return data
