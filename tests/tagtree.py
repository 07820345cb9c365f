"""Read a tagged PDF the way a screen reader does, independently of printkit's own code:
walk its structure tree in order and give each element's role and the text of the marked
content it owns; keep apart the text drawn as artifacts (which a reader skips).

    python -m tests.tagtree build/KIT/KIT.pdf     # print the walk, indented
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import Any

import pikepdf


@dataclass
class Node:
    depth: int
    role: str
    text: str
    element: Any


@dataclass
class Page:
    marked: dict[int, str] = field(default_factory=dict)   # MCID -> its text
    artifacts: list[str] = field(default_factory=list)      # text drawn as artifacts
    pagination: list[str] = field(default_factory=list)     # ... of which pagination
    unmarked: list[str] = field(default_factory=list)       # text in neither
    mcids: list[int] = field(default_factory=list)          # every MCID, in content order


def _cmap(font: Any) -> dict[int, str]:
    out: dict[int, str] = {}
    stream = font.get("/ToUnicode")
    if stream is None:
        return out
    data = stream.read_bytes()
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(rb"<(\w+)>\s*<(\w+)>\s*<(\w+)>", block):
            start = int(dst, 16)
            for i, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(start + i)
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<(\w+)>\s*<(\w*)>", block):
            out[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    return out


def read_page(page: Any) -> Page:
    """Each marked-content sequence's text on ``page`` (fonts with two-byte codes)."""
    fonts = page.obj.get("/Resources", {}).get("/Font", {})
    maps: dict[str, dict[int, str]] = {}
    out = Page()
    stack: list[tuple[str, int | None]] = []   # (tag, or "/Pagination" for one; MCID)
    cmap: dict[int, str] = {}
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op in ("BDC", "BMC"):
            mcid = None
            if op == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                mcid = operands[1].get("/MCID")
            if mcid is not None:
                out.mcids.append(int(mcid))
            tag = str(operands[0])
            if tag == "/Artifact" and op == "BDC" and str(operands[1].get("/Type")) == \
                    "/Pagination":
                tag = "/Pagination"
            stack.append((tag, int(mcid) if mcid is not None else None))
        elif op == "EMC" and stack:
            stack.pop()
        elif op == "Tf":
            name = str(operands[0])
            if name not in maps:
                maps[name] = _cmap(fonts[name])
            cmap = maps[name]
        elif op in ("Tj", "TJ", "'", '"'):
            strings = operands[0] if op == "TJ" else [operands[-1]]
            text = "".join(cmap.get(int.from_bytes(raw[i:i + 2], "big"), "\ufffd")
                           for s in strings if isinstance(s, pikepdf.String)
                           for raw in [bytes(s)] for i in range(0, len(raw) - 1, 2))
            owner = next((m for _, m in reversed(stack) if m is not None), None)
            if any(tag in ("/Artifact", "/Pagination") for tag, _ in stack):
                out.artifacts.append(text)
                if any(tag == "/Pagination" for tag, _ in stack):
                    out.pagination.append(text)
            elif owner is not None:
                out.marked[owner] = out.marked.get(owner, "") + text
            else:
                out.unmarked.append(text)
    return out


def walk(pdf: pikepdf.Pdf) -> list[Node]:
    """Every structure element, in reading order, with the text it owns directly."""
    pages = {p.obj.objgen: (i, p) for i, p in enumerate(pdf.pages)}
    read: dict[int, Page] = {}

    def text_of(page_ref: Any, mcid: int) -> str:
        index, page = pages[page_ref.objgen]
        if index not in read:
            read[index] = read_page(page)
        return read[index].marked.get(mcid, "")

    out: list[Node] = []

    def visit(element: Any, depth: int) -> None:
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
        own = ""
        for kid in kids:
            if isinstance(kid, int):
                own += text_of(element.Pg, kid)
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                own += text_of(kid.get("/Pg", element.get("/Pg")), int(kid.MCID))
        node = Node(depth, str(element.get("/S", ""))[1:], own, element)
        out.append(node)
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                visit(kid, depth + 1)

    root = pdf.Root.StructTreeRoot
    kids = root.K if isinstance(root.K, pikepdf.Array) else [root.K]
    for kid in kids:
        visit(kid, 0)
    return out


def owned(pdf: pikepdf.Pdf) -> dict[int, list[int]]:
    """For each page, the MCIDs the structure tree's elements own (a list: an MCID owned
    twice appears twice)."""
    pages = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
    out: dict[int, list[int]] = {}
    for node in walk(pdf):
        element = node.element
        kids = element.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else [] if kids is None else [kids]
        for kid in kids:
            if isinstance(kid, int):
                out.setdefault(pages[element.Pg.objgen], []).append(kid)
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                ref = kid.get("/Pg", element.get("/Pg"))
                out.setdefault(pages[ref.objgen], []).append(int(kid.MCID))
    return out


if __name__ == "__main__":
    with pikepdf.open(sys.argv[1]) as document:
        for n in walk(document):
            alt = n.element.get("/Alt")
            print("  " * n.depth + n.role + (f' [alt: "{alt}"]' if alt else "")
                  + (f': "{n.text}"' if n.text.strip() else ""))
