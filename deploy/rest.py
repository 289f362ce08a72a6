"""
HTTP to the local deployment: Airflow's REST API (``api``, ``health``) and any URL (``http``).

Shared by the CLI (``deploy/local``) and the checker (``check_deploy.py``). Stdlib only.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from deployment import API, die


def http(
    method: str,
    url: str,
    *,
    body: Any = None,
    form: dict[str, Any] | None = None,
    timeout: float = 30.0,
) -> tuple[int, Any]:
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    token = _API_TOKEN.get("token")
    if token and url.startswith(API):
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            raw = resp.read()
            status = resp.status
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        status = exc.code
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode(errors="replace")
    if status == 401 and url.startswith(API) and not token:
        # All-admins mode injects a token itself; fall back to asking for one if it did not.
        code, got = http("GET", f"{API}/auth/token")
        if code in (200, 201) and isinstance(got, dict) and got.get("access_token"):
            _API_TOKEN["token"] = got["access_token"]
            return http(method, url, body=body, form=form, timeout=timeout)
    return status, payload


_API_TOKEN: dict[str, str] = {}


def api(method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200,)) -> Any:
    status, payload = http(method, f"{API}/api/v2{path}", body=body)
    if status not in expect:
        die(f"{method} /api/v2{path} answered {status}: {payload}")
    return payload


def health() -> dict[str, Any]:
    status, payload = http("GET", f"{API}/api/v2/monitor/health", timeout=5)
    return payload if status == 200 and isinstance(payload, dict) else {}
