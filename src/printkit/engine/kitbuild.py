"""Kit builds: plan every kit, render through the session, assemble what changed (in
parallel), write each kit's folder and its manifest."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from printkit.engine import kitwork, manifest
from printkit.engine.cache import Entry
from printkit.engine.checkup import measure_kits
from printkit.engine.kitwork import KitWork
from printkit.engine.output import Outputs
from printkit.engine.session import Session
from printkit.errors import InputError, Problem
from printkit.options import KitResult, is_note
from printkit.plan.keys import handout_key, outputs_key
from printkit.plan.planner import KitPlan
from printkit.preflight.findings import KitCheck, KitPreflight, Rules, load_findings
from printkit.produce.products import Products, ProductTask, make_products
from printkit.produce.reading import page_count
from printkit.render.job import RenderJob
from printkit.source.kit import Cards, CutSheets, Kit
from printkit.source.outputs import OutputNames, half_paper
from printkit.units import PAPER_SIZES


def build_kits(session: Session, names: Sequence[str],
               read_elsewhere: frozenset[str] = frozenset()) -> list[KitResult]:
    """Build the named kits. ``read_elsewhere``: variables that kits of the same command
    read although they are not built now (up to date), so a value they use is not
    reported as unused."""
    started = time.perf_counter()
    session.warm_up()
    kits = session.load_kits(names)
    work: list[KitWork] = []
    problems: list[Problem] = []
    settings = session.options.settings
    for kit in kits:
        try:
            item = KitWork(session.planner.plan(kit, settings))
            item.variants.update(_variants(session, item.plan))
            work.append(item)
        except InputError as exc:
            problems.extend(exc.problems)
    if session.options.final:
        problems += kitwork.final_problems([w.plan for w in work])
    if problems:
        raise InputError(problems)
    unused = session.planner.unused_values(kits, settings, read_elsewhere)
    session.enforce_strict(unused)
    kitwork.render_kits(session, work)
    results = _produce(session, work, started)
    if results and unused:
        results[0].warnings[:0] = [p.one_line() for p in unused]
    return results


def _variants(session: Session, plan: KitPlan) -> dict[str, KitPlan]:
    """The kit laid out again for the products it makes (see KitWork)."""
    kit, settings, planner = plan.kit, plan.settings, session.planner
    out: dict[str, KitPlan] = {}
    if session.options.press:
        out["press"] = planner.plan(kit, replace(settings, press=True))
    # Pages only imposed (booklet sheets, 2-up pieces, the card sheet) are rendered without
    # tags, which imposition drops: a sixth of each render. A booklet at the kit's own paper
    # shares the reading copy's tagged renders instead.
    imposed = replace(settings, tagged=False)
    booklet = kit.booklet
    if booklet is not None:  # at its own page size, with its back cover
        paper = booklet.page or plan.paper
        out["booklet"] = planner.plan(
            kit, replace(settings if paper == plan.paper else imposed, paper=paper),
            booklet=True)
        if session.options.press:  # its pages with bleed, for a print shop to impose
            out["booklet-press"] = planner.plan(
                kit, replace(settings, paper=paper, press=True), booklet=True)
    half = half_paper(plan.paper)
    two_up = {d for o in kit.outputs if isinstance(o, CutSheets) and o.up == 2
              for d in (o.documents or [d.id for d in kit.documents])}
    if two_up and half is not None:
        out["cut"] = _only(planner.plan(kit, replace(imposed, paper=half)), two_up)
        if session.options.press:
            out["cut-press"] = _only(planner.plan(kit, replace(settings, paper=half,
                                                               press=True)), two_up)
    cards = {o.document for o in kit.outputs if isinstance(o, Cards)}
    if cards:
        out["cards"] = _only(out["press"] if "press" in out else
                             planner.plan(kit, replace(imposed, press=True)), cards)
    return out


def _only(plan: KitPlan, ids: set[str]) -> KitPlan:
    """The plan's documents named in ``ids`` (rendered ones: a spliced PDF is used as is)."""
    return replace(plan, cover=None, docs=[d for d in plan.docs
                                           if d.doc.id in ids and d.job is not None])


@dataclass
class _Pending:
    """A kit whose outputs must be made again."""

    index: int
    work: KitWork
    task: ProductTask
    build_key: str
    warnings: list[str]


def _rules(kit: Kit) -> Rules:
    return Rules(body=kit.body_size)


def _enforce_preflight(session: Session, checked: Sequence[tuple[Kit, KitPreflight]]) -> None:
    """--strict: a preflight finding fails the build before anything is written."""
    session.enforce_strict([
        Problem(f"{session.project.rel(session.folder_for(kit))}/{f.file}", None,
                f"preflight: {f.where}: {f.message}")
        for kit, c in checked for f in c.findings])


def _produce(session: Session, work: Sequence[KitWork], started: float) -> list[KitResult]:
    """Assemble every kit that changed (in parallel), then write, kit by kit."""
    results: dict[int, KitResult] = {}
    pending: list[_Pending] = []
    for i, w in enumerate(work):
        warnings = kitwork.warnings(session, w)
        session.enforce_strict_on(w.plan.kit.display,
                                  [m for m in warnings if not is_note(m)])
        build_key = _outputs_key(session, w)
        folder = session.folder_for(w.plan.kit)
        pages = manifest.up_to_date(folder, build_key)
        if pages is not None:
            session.reporter.detail(f"up to date {session.project.rel(folder)}")
            results[i] = _result(session, w, pages, [], warnings, started, True)
            results[i].findings = [f.line(session.project.rel(folder))
                                   for f in load_findings(folder)]
        else:
            pending.append(_Pending(i, w, _task(session, w), build_key, warnings))
    produced = session.map(make_products, [p.task for p in pending],
                           [f"assembling {p.task.kit_id}" for p in pending],
                           weight=lambda t: sum(len(p.pdf) for p in t.parts))
    if session.options.preflight:
        measured = measure_kits(session, [
            KitCheck(p.task.kit_id, p.task.title, _rules(p.work.plan.kit), products.files,
                     OutputNames(p.task.kit_id).reading)
            for p, products in zip(pending, produced, strict=True)])
    else:
        measured = [KitPreflight(p.task.kit_id) for p in pending]
    _enforce_preflight(session, [(p.work.plan.kit, checked) for p, checked
                                 in zip(pending, measured, strict=True)])
    for item, products, checked in zip(pending, produced, measured, strict=True):
        w = item.work
        _keep_handouts(session, w, item.task, products)
        outputs = Outputs(session.folder_for(w.plan.kit))
        for name, data in products.files.items():
            outputs.add(name, data)
        for name, data in checked.files.items():
            outputs.add(name, data)
        inputs = kitwork.inputs(session, w)
        outputs.add("manifest.json", manifest.manifest(session, w, inputs, outputs.pending,
                                                       item.build_key, products.pages))
        written = outputs.commit(prune=w.plan.kit.output_names().kit_build())
        results[item.index] = _result(session, w, products.pages, written,
                                      item.warnings, started, False, inputs)
        results[item.index].findings = [f.line(session.project.rel(outputs.folder))
                                        for f in checked.findings]
    session.cache.prune()
    return [results[i] for i in range(len(work))]


def _result(session: Session, w: KitWork, pages: int, written: list[Path],
            warnings: list[str], started: float, up_to_date: bool,
            inputs: dict[str, str] | None = None) -> KitResult:
    keys = set(w.render_keys())
    rendered = session.rendered(keys)
    return KitResult(w.plan.kit.id, session.folder_for(w.plan.kit), pages, rendered,
                     len(keys) - rendered, time.perf_counter() - started, written, warnings,
                     up_to_date,
                     inputs=inputs if inputs is not None else kitwork.inputs(session, w),
                     reads=session.planner.reads(w.plan.kit), samples=kitwork.samples(w.plan))


def _task(session: Session, w: KitWork) -> ProductTask:
    kit, meta = w.plan.kit, kitwork.metadata(w.plan)
    handouts = []
    for d in w.plan.docs:
        handout_meta = replace(meta, title=d.title, subject=f"{kit.title}: {d.title}")
        entry, _ = session.cache.get(handout_key(kitwork.part_key(session, d), handout_meta))
        handouts.append((d.doc.id, handout_meta, entry.pdf if entry else None))
    return ProductTask(
        kit.id, kit.title, kit.duplex, kit.bleed_mm, PAPER_SIZES[w.plan.paper], kit.outputs,
        meta, kitwork.parts(session, w.plan, w.contents), tuple(handouts),
        {name: kitwork.parts(session, plan, w.variant_contents.get(name))
         for name, plan in w.variants.items()})


def _keep_handouts(session: Session, w: KitWork, task: ProductTask,
                   products: Products) -> None:
    """Cache each newly assembled handout: the next build of any kit reuses it."""
    metas = {doc_id: meta for doc_id, meta, _ in task.handouts}
    for d in w.plan.docs:
        data = products.new_handouts.get(d.doc.id)
        if data is not None:
            session.cache.put(handout_key(kitwork.part_key(session, d), metas[d.doc.id]),
                              Entry(data, page_count(data), {}, []))


def _outputs_key(session: Session, w: KitWork) -> str:
    """Everything a kit's outputs are made from. Unchanged: nothing to assemble."""

    def describe(plan: KitPlan | None, contents: RenderJob | None) -> list[object] | None:
        if plan is None:
            return None
        made = partial(kitwork.rendered_key, session)
        return [made(plan.cover.job.key) if plan.cover and plan.cover.job else None,
                made(contents.key) if contents else None,
                [(d.doc.id, d.title, kitwork.part_key(session, d)) for d in plan.docs],
                [made(d.job.key) for d in (plan.notes, plan.back) if d is not None and d.job]]

    kit = w.plan.kit
    settings = {k: v for k, v in vars(kit).items() if k not in ("lines", "file", "files")}
    variants = {v: describe(p, w.variant_contents.get(v)) for v, p in w.variants.items()}
    return outputs_key(settings, describe(w.plan, w.contents), variants, dict(w.plan.agency),
                       kitwork.metadata(w.plan), session.options.preflight)
