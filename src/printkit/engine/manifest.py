"""build/K/manifest.json: what a kit's outputs were made from and what they are, and the
check that a folder already holds exactly the outputs of a build key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from printkit import __version__
from printkit.engine.kitwork import KitWork, document_pdf
from printkit.engine.session import Session


def manifest(session: Session, work: KitWork, inputs: Mapping[str, str],
             outputs: Mapping[str, bytes], build_key: str, pages: int) -> bytes:
    plan = work.plan
    kit = plan.kit
    docs = []
    for d in plan.docs:
        pdf, doc_pages = document_pdf(session, d)
        entry: dict[str, Any] = {"id": d.doc.id, "title": d.title, "pages": doc_pages,
                                 "source": d.doc.source, "kind": d.doc.kind}
        if d.job is not None:
            entry["render_key"] = d.job.key
        else:
            entry["sha256"] = hashlib.sha256(pdf).hexdigest()
        docs.append(entry)
    data = {
        "kit": kit.id,
        "title": kit.title,
        "printkit": __version__,
        "paper": plan.paper,
        "duplex": kit.duplex,
        "pages": pages,
        "build_key": build_key,
        "variables": {k: plan.resolved.sources[k] for k in sorted(plan.resolved.sources)},
        # Placeholder values it printed: every page is marked SAMPLE.
        "samples": [{"key": s.key, "file": s.file, "line": s.line} for s in plan.samples],
        "inputs": {k: v for k, v in inputs.items() if v},
        "documents": docs,
        "outputs": {name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
                    for name, data in sorted(outputs.items())},
    }
    return (json.dumps(data, indent=2, sort_keys=False) + "\n").encode()


def up_to_date(folder: Path, build_key: str) -> int | None:
    """Page count of the reading copy when the folder already holds exactly these outputs."""
    try:
        data = json.loads((folder / "manifest.json").read_text("utf-8"))
        if data.get("build_key") != build_key:
            return None
        for name, info in data["outputs"].items():
            content = (folder / name).read_bytes()
            if (len(content) != info["bytes"]
                    or hashlib.sha256(content).hexdigest() != info["sha256"]):
                return None
        return int(data["pages"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
