"""A kit's reading copy made in memory, for a live preview (``printkit serve``): its
documents rendered through the session's cache (only what changed renders again) and the
reading copy assembled exactly as a build assembles it. Nothing is written and no other
product is made: the full build that follows makes and writes them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from printkit.engine import kitwork
from printkit.engine.kitwork import KitWork
from printkit.engine.session import Session
from printkit.pdf.metadata import Metadata
from printkit.produce.reading import Part, assemble_reading


@dataclass
class Preview:
    kit_id: str
    pdf: bytes                     # the reading copy, as the build would write it
    rendered: int                  # documents rendered now (the rest came from the cache)
    seconds: float
    warnings: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)   # as KitResult.samples
    # The files inside the project it was made from (path -> sha256): what to watch.
    inputs: dict[str, str] = field(default_factory=dict)


def preview_kit(session: Session, name: str) -> Preview:
    started = time.perf_counter()
    kit = session.load_kits([name])[0]
    work = KitWork(session.planner.plan(kit, session.options.settings))
    kitwork.render_kits(session, [work])
    task = (kitwork.parts(session, work.plan, work.contents), kitwork.metadata(work.plan),
            kit.duplex)
    pdf = session.map(_assemble, [task], [f"assembling {kit.id}"])[0]
    return Preview(kit.id, pdf, session.rendered(work.render_keys()),
                   time.perf_counter() - started, kitwork.warnings(session, work),
                   kitwork.samples(work.plan), kitwork.inputs(session, work))


def _assemble(task: tuple[tuple[Part, ...], Metadata, bool]) -> bytes:
    """The reading copy (in a worker: the server's own process stays responsive)."""
    return assemble_reading(*task)
