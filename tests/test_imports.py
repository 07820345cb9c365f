"""The package's import structure: no cycles anywhere (function-level imports included),
and the fast commands stay light."""

from __future__ import annotations

import subprocess
import sys

import grimp


def test_no_import_cycles() -> None:
    graph = grimp.build_graph("printkit", exclude_type_checking_imports=True)
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            back = graph.find_shortest_chain(importer=imported, imported=module)
            if imported != module and back:
                cycles.append(" -> ".join((module, *back)))
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_help_list_and_check_do_not_import_the_engines() -> None:
    code = ("import sys; from printkit.cli import main; import printkit.check, printkit.api; "
            "print(sorted(m for m in ('weasyprint', 'pypdf', 'pikepdf') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
