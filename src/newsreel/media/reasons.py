"""Why a job runs, and how: from the cache's index of what made each output.

`index.json` in the cache remembers, for every output by name (`video/cut/preset`), the source,
preset, range, ffmpeg and method that made it; the next plan compares, and says "preset
changed", "cut range changed"... For a cut it also says how it will be made: assembled from the
full-length rendition (and what that costs) or encoded whole (and why).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsreel.media import smartcut
from newsreel.media.cache import write_atomic

if TYPE_CHECKING:
    from newsreel.media.plan import MediaPlan, PlannedOutput


def reason(
    outputs: list[PlannedOutput],
    index: dict[str, Any],
    digest: str,
    version: str,
    refusals: dict[str, str | None] | None = None,
) -> str:
    """Why these outputs must be made, from what the last build recorded for them; and, for a
    cut, how: assembled (what it costs) or encoded whole (and why)."""
    reasons = []
    for output in outputs:
        before = index.get(output.index_id)
        if before is None:
            why = "new"
        elif before.get("source") != digest:
            why = "source changed"
        elif before.get("preset") != output.preset.normalised():
            why = "preset changed"
        elif before.get("range") != [output.in_ms, output.out_ms]:
            why = "cut range changed"
        elif before.get("ffmpeg") != version:
            why = "ffmpeg changed"
        elif before.get("method", output.method) != output.method:
            why = "cut method changed"
        elif before.get("scaled_from") != _size(output.scaled_from):
            why = "scaled from other frames"
        elif before.get("corrections", []) != list(output.corrections):
            why = f"a fix of the pipeline for this source ({', '.join(output.corrections)})"
        else:
            why = "missing from the cache"
        reasons.append(f"{output.preset.name}: {why}{_how(output, refusals or {})}")
    return "; ".join(reasons)


def _how(output: PlannedOutput, refusals: dict[str, str | None]) -> str:
    if output.method == "smart":
        rate = int(output.preset.video["fps"])
        cost = smartcut.assembly(output.in_ms, output.out_ms, rate).describe(rate)
        return f" (smart cut: {cost})"
    refusal = refusals.get(output.preset.name)
    if refusal and output.preset.kind == "video":
        return f" (encoded whole: {refusal})"
    return ""


def _size(scaled_from: tuple[int, int] | None) -> str | None:
    return "{}x{}".format(*scaled_from) if scaled_from else None


def read_index(cache_dir: Path) -> dict[str, Any]:
    """What the last build recorded of each output (and each press kit), by name."""
    try:
        return json.loads((cache_dir / "index.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def write_index(cache_dir: Path, plan: MediaPlan, kits: dict[str, str]) -> None:
    """Remember what made each output, so the next plan can say why it re-encodes one."""
    index = read_index(cache_dir)
    for video_id, outputs in plan.outputs.items():
        digest = plan.sources[video_id].sha256
        for output in outputs:
            index[output.index_id] = {
                "key": output.key,
                "source": digest,
                "preset": output.preset.normalised(),
                "range": [output.in_ms, output.out_ms],
                "ffmpeg": plan.ffmpeg_version,
                "method": output.method,
                "scaled_from": _size(output.scaled_from),
                "corrections": list(output.corrections),
            }
    for video_id, key in kits.items():
        index[f"{video_id}/press-kit"] = {"key": key}
    write_atomic(cache_dir / "index.json", json.dumps(index, indent=1, sort_keys=True).encode())
