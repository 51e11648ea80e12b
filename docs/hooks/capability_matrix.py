"""MkDocs hook: the capability matrix page is generated from the installed drivers.

``<!-- capability-matrix -->`` in a page is replaced by one row per driver found through the
entry points (the project's own and any plug-in installed beside it), one column per
capability of its kind, as ``hnth drivers`` reports them. A driver that fails to load is
listed with its error, so the page shows a broken plug-in instead of hiding it.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- capability-matrix -->"


def _matrix() -> str:
    from hnth_drivers.registry import describe

    infos = describe()
    used = sorted({c for info in infos for c in info.capabilities}, key=lambda c: c.value)
    out = []
    for kind in ("mcu", "vcs", "camera"):
        rows = [i for i in infos if i.kind == kind]
        if not rows:
            continue
        caps = [c for c in used if any(c in r.capabilities for r in rows)]
        out.append(f"### {kind}\n")
        out.append("| driver | entry point | " + " | ".join(c.value for c in caps) + " |")
        out.append("|---|---|" + "---|" * len(caps))
        for r in rows:
            cells = ["✓" if c in r.capabilities else "–" for c in caps]
            if r.error is not None:
                cells = [f"failed to load: {r.error}"] + [""] * (len(caps) - 1)
            out.append(f"| `{r.name}` | `{r.target}` | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Replace the marker with the generated matrix."""
    return markdown.replace(MARKER, _matrix()) if MARKER in markdown else markdown
