"""Roster builds: one personalised packet per roster row, and the class's print files.

Rows only change the documents that use their values: every other document has the same
HTML, hence the same render key, and is rendered once for the roster. Documents whose rows
differ only inside fields (fields.py) are rendered once as a skeleton, and each row's texts
are printed into it (vdp.py); a row or document that cannot be printed that way is rendered
in full. Uses the engine's session (pool, render cache) like a kit build; only the engine writes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from printkit.engine import kitwork
from printkit.engine.kitwork import KitWork
from printkit.engine.output import Outputs
from printkit.engine.session import Session
from printkit.errors import InputError, Problem
from printkit.options import KitResult
from printkit.pdf.text import Line
from printkit.personalise.fields import Spot
from printkit.personalise.packets import PacketTask, make_shared_packet, personalise_rows
from printkit.personalise.skeleton import skeleton
from printkit.personalise.vdp import FieldSlot, Run, combine, combine_booklet, layout
from printkit.plan.keys import packet_group_key
from printkit.plan.planner import KitPlan
from printkit.source.kit import Kit, load_kit
from printkit.source.roster import Row, column_problems, read_roster
from printkit.source.variables import Layer


def build_roster(b: Session, name: str, roster: Path) -> KitResult:
    """One personalised packet per roster row, the combined print file, and (for a kit
    with a booklet output) the class's booklets."""
    started = time.perf_counter()
    kit = load_kit(b.project, name)
    display = b.project.rel(roster)
    rows = read_roster(roster, display)
    reads = b.planner.reads(kit)
    columns = column_problems(rows, display, kit.id, reads, frozenset(kit.variables))
    columns += b.planner.unused_values([kit], b.options.settings)
    if any(p.severity == "error" for p in columns):
        raise InputError([p for p in columns if p.severity == "error"])
    build = _RosterBuild(b, kit, display, rows)
    used, assigned = build.render()
    warnings = sorted([p.one_line() for p in columns] + build.warnings(used))
    b.enforce_strict_on(kit.display, warnings)
    files, pages = build.produce(used, assigned)
    folder = b.folder_for(kit)
    outputs = Outputs(folder)
    for file_name, data in files.items():
        outputs.add(file_name, data)
    written = outputs.commit(prune=kit.output_names().roster_build())
    b.cache.prune()
    keys = {key for g in used for key in g.work.render_keys()}
    rendered = b.rendered(keys)
    inputs: dict[str, str] = {}
    for g in used:
        inputs.update(kitwork.inputs(b, g.work, [roster]))
    return KitResult(kit.id, folder, pages, rendered, len(keys) - rendered,
                     time.perf_counter() - started, written, warnings,
                     packets=len(build.rows), inputs=inputs, reads=reads,
                     samples=sorted({s for g in used for s in kitwork.samples(g.work.plan)}))


class _RosterBuild:
    """The phases of one roster build: plan rows, render what they share, produce files."""

    def __init__(self, b: Session, kit: Kit, display: str, rows: list[Row]) -> None:
        self.b, self.kit, self.display, self.rows = b, kit, display, rows
        self.shared: dict[str, _Shared] = {}   # rows that differ only inside fields
        self.full: dict[str, _Shared] = {}     # rows rendered in full

    def plans(self) -> list[KitPlan]:
        b, display = self.b, self.display
        plans: list[KitPlan] = []
        problems: list[Problem] = []
        columns = frozenset(k for row in self.rows for k in row.values)
        for row in self.rows:
            settings = replace(b.options.settings,
                               row=Layer(f"{display} row {row.number}", row.values))
            try:
                plans.append(b.planner.plan(self.kit, settings, plans[-1] if plans else None,
                                            columns))
            except InputError as exc:
                problems.extend(Problem(p.file, p.line, f"{display} row {row.number}: "
                                        f"{p.message}", p.hint) for p in exc.problems)
        if b.options.final and plans:  # a placeholder no row replaces
            problems += kitwork.final_problems(plans[:1])
        if problems:
            raise InputError(problems)
        return plans

    def render(self) -> tuple[list[_Shared], list[tuple[_Shared, tuple[Line | None, ...]]]]:
        """Render each group's documents once; rows whose texts cannot be printed into
        their fields get a group (and a render) of their own. Returns the groups in use
        and, per row, its group and laid-out field texts."""
        b = self.b
        plans = self.plans()
        first = [_share(b, self.shared, plan, fields=True) for plan in plans]
        kitwork.render_kits(b, [g.work for g in self.shared.values()])
        for g in self.shared.values():
            g.spots, g.problem = _spots(b, g.work.plan)
            if g.problem:
                b.explain(f"fields   {g.problem}: rendering each row in full")
        assigned: list[tuple[_Shared, tuple[Line | None, ...]]] = []
        for row, plan, (group, texts) in zip(self.rows, plans, first, strict=True):
            lines = None if group.problem else group.lines(texts)
            if lines is None:
                if not group.problem:
                    b.reporter.detail(
                        f"fields   {self.display} row {row.number}: a text is too long for "
                        "its field or uses a character the font lacks; rendering that "
                        "packet in full")
                group, _ = _share(b, self.full, plan, fields=False)
                lines = ()
            group.rows.append(len(assigned))
            assigned.append((group, lines))
        kitwork.render_kits(b, [g.work for g in self.full.values()])
        used = [g for g in [*self.shared.values(), *self.full.values()] if g.rows]
        return used, assigned

    def warnings(self, used: list[_Shared]) -> list[str]:
        """The renders' warnings; those of a packet rendered for its row name the row."""
        seen = {key for g in self.shared.values() for key in g.work.render_keys()}
        found: set[str] = set()
        for g in used:
            own = any(g is f for f in self.full.values())
            where = ", ".join(f"row {self.rows[i].number}" for i in g.rows)
            for key in g.work.render_keys():
                for m in self.b.entry(key).warnings:
                    found.add(f"{self.display} {where}: {m}" if own and key not in seen
                              else m)
        return sorted(found)

    def produce(self, used: list[_Shared],
                assigned: list[tuple[_Shared, tuple[Line | None, ...]]]
                ) -> tuple[dict[str, bytes], int]:
        """Every output file (name -> bytes) and the combined file's page count. The
        shared packets are assembled first; then, in parallel, the combined file, the
        booklets and the rows' packets (in chunks: each worker opens a shared packet a
        few times, not once per row)."""
        b, kit, rows = self.b, self.kit, self.rows
        made = b.map(make_shared_packet, [g.task(b) for g in used],
                          [f"packet for {len(g.rows)} row(s)" for g in used])
        for g, (prepared, slots) in zip(used, made, strict=True):
            g.prepared, g.slots = prepared, slots
        size = max(1, -(-len(rows) // (b.workers * 2)))
        chunks = [(g, g.rows[i:i + size]) for g in used for i in range(0, len(g.rows), size)]
        source = {id(g): i for i, g in enumerate(used)}
        runs = tuple(Run(source[id(g)], lines if g.slots else None, row.label)
                     for (g, lines), row in zip(assigned, rows, strict=True))
        sources, slot_sets = tuple(g.prepared for g in used), tuple(g.slots for g in used)
        meta = kitwork.metadata(used[0].work.plan)  # the kit's, for the two print files
        tasks: list[tuple[str, Any]] = [("combine", (
            sources, slot_sets, runs, kit.duplex,
            replace(meta, title=f"{kit.title}: roster ({len(rows)} packets)")))]
        labels = ["combined file"]
        booklet = kit.booklet
        if booklet is not None:
            tasks.append(("booklet", (
                sources, slot_sets, runs, booklet.sheet, booklet.marks, booklet.creep_mm,
                replace(meta, title=f"{kit.title}: roster booklets ({len(rows)} packets)"))))
            labels.append("booklets")
        done = len(tasks)
        tasks += [("rows", (g.prepared, g.slots, tuple(
            (assigned[i][1], f"{kit.title}: {rows[i].label}") for i in members)))
            for g, members in chunks]
        labels += [f"{len(members)} packets" for _, members in chunks]
        results = b.map(_roster_work, tasks, labels)
        packets = [b""] * len(rows)
        for (_, members), made_packets in zip(chunks, results[done:], strict=True):
            for i, packet in zip(members, made_packets, strict=True):
                packets[i] = packet
        names = kit.output_names()
        files = {names.packet(row.slug): packet
                 for row, packet in zip(rows, packets, strict=True)}
        combined, pages = results[0]
        files[names.roster] = combined
        if booklet is not None:
            files[names.roster_booklet] = results[1]
        return files, pages


def _share(b: Session, groups: dict[str, _Shared], plan: KitPlan,
           fields: bool) -> tuple[_Shared, tuple[str, ...]]:
    """The group of rows ``plan`` belongs to (rows with the same documents once fields
    are set aside), and the plan's field texts in order."""
    docs = [skeleton(b.planner, plan, d) if fields else (d, (), "") for d in
            plan.with_cover()]
    for _, _, why in docs:
        if why:
            b.explain(f"fields   {why}: rendering each row in full")
    texts = tuple(t for _, ts, _ in docs for t in ts)
    base = [d for d, _, _ in docs]
    key = packet_group_key([(d.title, kitwork.plan_key(b, d)) for d in base])
    if key not in groups:
        cover = base.pop(0) if plan.cover is not None else None
        groups[key] = _Shared(KitWork(replace(plan, cover=cover, docs=base)))
    return groups[key], texts


def _spots(b: Session, plan: KitPlan) -> tuple[tuple[tuple[str, tuple[Spot, ...]], ...], str]:
    """Each skeleton's fields, by part id; or why they cannot be printed into."""
    out = []
    for d in plan.with_cover():
        if d.job is None or d.job.probe is None:
            continue
        probed = b.entry(d.job.key).probed or {}
        if "spots" not in probed:
            return (), f"{d.job.label}: {probed.get('problem', 'fields not measured')}"
        out.append(("cover" if d is plan.cover else d.doc.id,
                    tuple(Spot.from_json(s) for s in probed["spots"])))
    return tuple(out), ""


def _roster_work(item: tuple[str, Any]) -> Any:
    """A roster job for the pool: the combined file, its booklets, or a chunk of rows'
    packets."""
    kind, args = item
    if kind == "combine":
        return combine(*args)
    if kind == "booklet":
        return combine_booklet(*args)
    return personalise_rows(args)


@dataclass(eq=False)
class _Shared:
    """Roster rows that share one render: their plan (fields as skeletons) and state."""

    work: KitWork
    rows: list[int] = field(default_factory=list)   # indexes of the rows it serves
    spots: tuple[tuple[str, tuple[Spot, ...]], ...] = ()
    problem: str = ""
    prepared: bytes = b""
    slots: tuple[FieldSlot, ...] = ()

    def lines(self, texts: tuple[str, ...]) -> tuple[Line | None, ...] | None:
        """Each text laid out in its field; None if any cannot be printed there."""
        flat = [spot for _, spots in self.spots for spot in spots]
        if len(flat) != len(texts):
            return None
        lines = tuple(layout(spot, text) for spot, text in zip(flat, texts, strict=True))
        bad = any(line is None and text.strip() for line, text in
                  zip(lines, texts, strict=True))
        return None if bad else lines

    def task(self, session: Session) -> PacketTask:
        plan = self.work.plan
        return PacketTask(kitwork.parts(session, plan, self.work.contents),
                          kitwork.metadata(plan), plan.kit.duplex, self.spots)
