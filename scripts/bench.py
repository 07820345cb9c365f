#!/usr/bin/env python3
"""printkit benchmark: ratios measured in one run on this machine (medians of REPEAT runs).

Run with `make bench`. Builds happen in a throw-away copy of the project, through the real
command line in a fresh interpreter each time, so start-up costs are counted as a user sees them.

Prints:
  1. all kits cold, --jobs 1 vs --jobs N
  2. no-change rebuild vs cold (and whether WeasyPrint was imported)
  3. one edited document vs cold, and vs that document's own render time
  4. a 50-row roster vs a single packet
  5. reading-copy size vs the sum of its handouts
  6. a cold build with preflight vs one without (--no-preflight)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEAT = int(os.environ.get("BENCH_REPEAT", "3"))
JOBS = os.cpu_count() or 2
ROSTER_KIT = "recruit-academy"
EDIT_TEMPLATE = "templates/docs/family/hard-shift.html"


def copy_project(dest: Path) -> Path:
    for name in ("kits", "templates", "assets", "data"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "printkit.yaml", dest / "printkit.yaml")
    return dest


def printkit(project: Path, *args: str) -> float:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "printkit", "-C", str(project), "-q", *args],
                            capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"printkit {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return elapsed


def cold(project: Path, *args: str) -> float:
    shutil.rmtree(project / "build", ignore_errors=True)
    return printkit(project, *args)


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def imports_weasyprint(project: Path) -> bool:
    code = "\n".join([
        "import sys",
        "from printkit.cli import main",
        f"sys.argv = ['printkit', '-C', {str(project)!r}, '-q', 'build']",
        "try:",
        "    main()",
        "except SystemExit:",
        "    pass",
        "print('weasyprint' in sys.modules, file=sys.stderr)",
    ])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    return out.stderr.strip().endswith("True")


def own_render_seconds(project: Path, kit: str, doc_id: str) -> float:
    """Median time WeasyPrint takes for one document alone (in-process, warm worker)."""
    sys.path.insert(0, str(ROOT / "src"))
    from printkit.options import Settings
    from printkit.plan.planner import Planner
    from printkit.render.renderer import Renderer
    from printkit.source.kit import load_kit
    from printkit.source.project import load_project

    proj = load_project(project)
    planner = Planner.open(proj)
    plan = planner.plan(load_kit(proj, kit), Settings())
    job = next(d.job for d in plan.docs if d.doc.id == doc_id and d.job is not None)
    renderer = Renderer()
    renderer.render(job)  # warm the stylesheet cache, as a pool worker would be
    return median([renderer.render(job).seconds for _ in range(REPEAT)])


def main() -> None:
    print(f"printkit benchmark: {os.cpu_count()} CPUs, median of {REPEAT} runs\n")
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "proj")

        one = median([cold(project, "build", "--jobs", "1") for _ in range(REPEAT)])
        many = median([cold(project, "build", "--jobs", str(JOBS)) for _ in range(REPEAT)])
        print(f"1. all kits cold: --jobs 1 {one:.2f} s, --jobs {JOBS} {many:.2f} s "
              f"-> {one / many:.2f}x faster (target >= 1.7x on 2 cores)")

        cold_all = median([cold(project, "build") for _ in range(REPEAT)])
        noop = median([printkit(project, "build") for _ in range(REPEAT)])
        print(f"2. no-change rebuild {noop:.2f} s vs cold {cold_all:.2f} s -> "
              f"{100 * noop / cold_all:.1f}% of cold (target < 3%); "
              f"imports WeasyPrint: {imports_weasyprint(project)}")

        template = project / EDIT_TEMPLATE
        kit, doc_id = "family-wellness", template.stem
        original = template.read_text()
        edits = []
        for i in range(REPEAT):
            printkit(project, "build")
            # a real change: inside the content block, so the document's HTML changes
            template.write_text(original.replace("{% block content %}",
                                                 f"{{% block content %}}<!-- edit {i} -->", 1))
            edits.append(printkit(project, "build"))
        template.write_text(original)
        printkit(project, "build")
        (project / "kits/bench-one.yaml").write_text(
            f"title: One document\ncover: false\ncontents: false\ndocuments:\n"
            f"  - id: {doc_id}\n    template: {EDIT_TEMPLATE.removeprefix('templates/')}\n")
        alone = median([printkit(project, "build", "bench-one", "--no-cache", "--jobs", "1")
                        for _ in range(REPEAT)])
        (project / "kits/bench-one.yaml").unlink()
        warm = own_render_seconds(project, kit, doc_id)
        edit = median(edits)
        print(f"3. edit one document ({EDIT_TEMPLATE}): rebuild of the whole library {edit:.2f} s "
              f"({100 * edit / cold_all:.1f}% of cold).\n"
              f"   That document alone, from a fresh process: {alone:.2f} s -> {edit / alone:.2f}x "
              f"(target <= ~1.3x); its warm in-process render {warm:.2f} s -> {edit / warm:.2f}x")

        roster = Path(tmp) / "class.csv"
        single = Path(tmp) / "one.csv"
        rows = ["recruit_name,class_name"] + [f"Recruit Number{i:02d},Class 2026-2"
                                               for i in range(50)]
        roster.write_text("\n".join(rows) + "\n")
        single.write_text("\n".join(rows[:2]) + "\n")
        one_packet = median([cold(project, "build", ROSTER_KIT, "--roster", str(single))
                             for _ in range(REPEAT)])
        fifty = median([cold(project, "build", ROSTER_KIT, "--roster", str(roster))
                        for _ in range(REPEAT)])
        print(f"4. 50-row roster {fifty:.2f} s vs one packet {one_packet:.2f} s -> "
              f"{fifty / one_packet:.2f}x (target <= 2x)")

        cold(project, "build")
        print("5. reading copy vs the sum of its handouts:")
        for folder in sorted(p for p in (project / "build").iterdir()
                             if p.is_dir() and not p.name.startswith(".")):
            reading = folder / f"{folder.name}.pdf"
            handouts = sum(p.stat().st_size for p in (folder / "handouts").glob("*.pdf"))
            if reading.exists() and handouts:
                print(f"   {folder.name:24s} {reading.stat().st_size / 1024:7.0f} KiB vs "
                      f"{handouts / 1024:7.0f} KiB ({reading.stat().st_size / handouts:.2f})")

        # A build measures its outputs as it makes them (in the workers, after each kit's
        # assembly): its cost is a cold build against one with --no-preflight, alternated.
        # 'printkit preflight' measures the same files again alone, from a fresh process.
        plain, checked = [], []
        for _ in range(REPEAT):
            plain.append(cold(project, "build", "--no-preflight"))
            checked.append(cold(project, "build"))
        alone = median([printkit(project, "preflight") for _ in range(REPEAT)])
        extra = median(checked) - median(plain)
        print(f"6. preflight in a cold build: {median(checked):.2f} s vs {median(plain):.2f} s "
              f"with --no-preflight -> +{100 * extra / median(plain):.1f}% (target < 10%); "
              f"'printkit preflight' alone {alone:.2f} s")


if __name__ == "__main__":
    main()
