"""
The results chart (``results/latest.png``): five small bar panels, one per case.

Uses matplotlib. If it is missing, ``run.py`` pip-installs it into the running environment; if
that is impossible (``--no-install``, offline), :func:`fallback_png` draws plain bars with the
standard library (no text), and the README table carries the numbers.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path  # noqa: TC003
from typing import Any

Panel = tuple[str, str, list[tuple[str, float]], float | None]


def panels(results: dict[str, Any]) -> list[Panel]:
    out: list[Panel] = []
    if imp := results.get("import"):
        m = imp["median_added_ms"]
        bars = [("operator", m["operator"]), ("sensor", m["sensor"])]
        bars.append(("http provider", m["http_operator"]))
        out.append(("1. Import cost (added ms)", "ms", bars, 10.0))
    if call := results.get("per_call"):
        m = call["median_us"]
        bars = [("raw requests", m["requests"]), ("SignalWireHook", m["hook"]),
                ("HttpHook", m["httphook"])]  # fmt: skip
        if "sdk" in m:
            bars.append(("signalwire-sdk", m["sdk"]))
        bars.append(("raw socket", m["socket"]))
        out.append(("2. Per call (median us)", "us", bars, m["requests"] * 1.15))
    if bulk := results.get("bulk"):
        m = bulk["median_seconds"]
        bars = [("sequential\nrequests", m["sequential_requests"])]
        bars += [(f"hook c={k.rsplit('c', 1)[1]}", v) for k, v in m.items() if k.startswith("hook")]
        out.append((f"3. Stop {bulk['streams']} streams, 10 ms latency (s)", "s", bars, None))
    if retry := results.get("retry"):
        out.append(("4. Two 429 + Retry-After: 1 (s)", "s", [
            ("asked", retry["asked_seconds"]), ("median", retry["median_total_s"]),
            ("max", retry["max_total_s"]),
        ], retry["asked_seconds"] * 1.1))  # fmt: skip
    if e2e := results.get("e2e"):
        m = e2e["median_s"]
        out.append(("5. airflow dags test (median s)", "s", [
            ("no-op task", m["noop"]), ("stop operator", m["stop"]),
        ], m["noop"] * 1.1))  # fmt: skip
    return out


def draw(results: dict[str, Any], path: Path) -> str:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        fallback_png(results, path)
        return "fallback (no matplotlib): bars only"
    items = panels(results)
    fig, axes = plt.subplots(1, len(items), figsize=(3.4 * len(items), 3.6), squeeze=False)
    for ax, (title, unit, bars, target) in zip(axes[0], items, strict=True):
        labels = [b[0] for b in bars]
        values = [b[1] for b in bars]
        colors = ["#f72a72" if ("hook" in lab.lower() and "http" not in lab.lower())
                  or lab in ("operator", "sensor", "stop operator", "median", "max")
                  else "#9aa5b1" for lab in labels]  # fmt: skip
        ax.bar(range(len(values)), values, color=colors)
        ax.set_xticks(range(len(values)), labels, rotation=30, ha="right", fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(axis="y", labelsize=8)
        if title.startswith("1."):
            ax.set_yscale("log")
        if target is not None:
            ax.axhline(target, color="black", linestyle="--", linewidth=0.8)
        for x, v in enumerate(values):
            ax.annotate(
                f"{v:.0f}" if v >= 100 else f"{v:.3g}", (x, v), ha="center", va="bottom", fontsize=7
            )
    fig.suptitle("airflow-provider-signalwire benchmarks (dashed = target)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return "matplotlib"


def fallback_png(results: dict[str, Any], path: Path) -> None:
    """Plain bar panels, standard library only: white canvas, grey bars, pink for the provider."""
    items = panels(results)
    pw, h, pad = 160, 200, 10
    w = pw * max(1, len(items))
    pixels = [[(255, 255, 255)] * w for _ in range(h)]
    for index, (_title, _unit, bars, _target) in enumerate(items):
        top = max(v for _, v in bars) or 1.0
        bw = (pw - 2 * pad) // max(1, len(bars))
        for j, (label, value) in enumerate(bars):
            height = int((h - 2 * pad) * value / top)
            colour = (
                (247, 42, 114)
                if ("hook" in label.lower() and "http" not in label.lower())
                or label in ("operator", "sensor", "stop operator")
                else (154, 165, 177)
            )
            x0 = index * pw + pad + j * bw
            for y in range(h - pad - height, h - pad):
                for x in range(x0 + 2, x0 + bw - 2):
                    pixels[y][x] = colour
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
    png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
    path.write_bytes(png)
