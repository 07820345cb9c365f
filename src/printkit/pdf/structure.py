"""Keep the reading copy accessible: merge each part's tagged-PDF structure tree.

pypdf's append copies pages but not the structure tree, so assembly would drop every tag.
Each rendered part (cover, contents, documents) arrives from WeasyPrint as a tagged PDF; we
clone its structure elements into the assembled file, renumber the parent-tree keys so each
page's /StructParents stays unique, and hang every part under one /Document element.
"""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    BooleanObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


def _number_tree(node: Any) -> list[tuple[int, Any]]:
    node = node.get_object()
    out: list[tuple[int, Any]] = []
    nums = node.get("/Nums")
    if nums is not None:
        items = list(nums.get_object())
        out.extend((int(items[i]), items[i + 1]) for i in range(0, len(items) - 1, 2))
    for kid in node.get("/Kids", []) or []:
        out.extend(_number_tree(kid))
    return out


class StructureMerger:
    def __init__(self, writer: PdfWriter) -> None:
        self.writer = writer
        self.parts: list[Any] = []
        self.nums: list[Any] = []
        self.next_key = 0
        self.namespaces: Any = None
        self.role_map: dict[str, Any] = {}

    def add(self, reader: PdfReader, first_page: int, title: str) -> None:
        """Bring over the tags of ``reader``, whose pages start at ``first_page``."""
        catalog: Any = reader.trailer["/Root"]
        source = catalog.get("/StructTreeRoot")
        if source is None:
            for i in range(len(reader.pages)):
                self.add_blank(first_page + i)
            return
        source = source.get_object()
        offset = self.next_key
        highest = -1
        for key, value in _number_tree(source["/ParentTree"]):
            cloned = value.clone(self.writer) if hasattr(value, "clone") else value
            self.nums.extend([NumberObject(key + offset), cloned])
            highest = max(highest, key)
        for i, page in enumerate(reader.pages):
            target = self.writer.pages[first_page + i]
            parent_key = page.get("/StructParents")
            if parent_key is not None:
                target[NameObject("/StructParents")] = NumberObject(int(parent_key) + offset)
                highest = max(highest, int(parent_key))
            for annot in target.get("/Annots", []) or []:
                annot = annot.get_object()
                if "/StructParent" in annot:
                    annot[NameObject("/StructParent")] = NumberObject(
                        int(annot["/StructParent"]) + offset)
        self.next_key = offset + highest + 1
        kids = source.get("/K")
        kids = kids.get_object() if kids is not None else ArrayObject()
        if not isinstance(kids, ArrayObject):
            kids = ArrayObject([kids])
        for kid in kids:
            element = kid.clone(self.writer)
            obj = element.get_object()
            if obj.get("/S") == "/Document":
                obj[NameObject("/S")] = NameObject("/Part")
            obj[NameObject("/T")] = TextStringObject(title)
            self.parts.append(element if isinstance(element, IndirectObject)
                              else self.writer._add_object(element))
        if self.namespaces is None and "/Namespaces" in source:
            self.namespaces = source["/Namespaces"].clone(self.writer)
        for role, mapped in (source.get("/RoleMap") or {}).items():
            self.role_map.setdefault(role, mapped)

    def add_blank(self, page_index: int) -> None:
        """A page with no content still belongs to the tree (an empty parent-tree entry)."""
        self.writer.pages[page_index][NameObject("/StructParents")] = NumberObject(self.next_key)
        self.nums.extend([NumberObject(self.next_key), ArrayObject()])
        self.next_key += 1

    def finish(self, language: str, title: str) -> None:
        writer = self.writer
        root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
        root_ref = writer._add_object(root)
        document = DictionaryObject({
            NameObject("/Type"): NameObject("/StructElem"),
            NameObject("/S"): NameObject("/Document"),
            NameObject("/P"): root_ref,
            NameObject("/T"): TextStringObject(title),
            NameObject("/Lang"): TextStringObject(language),
            NameObject("/K"): ArrayObject(self.parts),
        })
        document_ref = writer._add_object(document)
        for part in self.parts:
            part.get_object()[NameObject("/P")] = document_ref
        root[NameObject("/K")] = ArrayObject([document_ref])
        root[NameObject("/ParentTree")] = writer._add_object(
            DictionaryObject({NameObject("/Nums"): ArrayObject(self.nums)}))
        root[NameObject("/ParentTreeNextKey")] = NumberObject(self.next_key)
        if self.namespaces is not None:
            root[NameObject("/Namespaces")] = self.namespaces
        if self.role_map:
            root[NameObject("/RoleMap")] = DictionaryObject(
                {NameObject(k): v for k, v in self.role_map.items()})
        catalog = writer.root_object
        catalog[NameObject("/StructTreeRoot")] = root_ref
        catalog[NameObject("/MarkInfo")] = DictionaryObject(
            {NameObject("/Marked"): BooleanObject(True)})


class Untagged(StructureMerger):
    """Merges nothing: for pages on their way to imposition, which keeps no tags (merging
    them was a fifth of a booklet's assembly)."""

    def __init__(self) -> None:
        pass

    def add(self, reader: PdfReader, first_page: int, title: str) -> None:
        pass

    def add_blank(self, page_index: int) -> None:
        pass

    def finish(self, language: str, title: str) -> None:
        pass


def merger(writer: PdfWriter, tagged: bool) -> StructureMerger:
    """The tags merger for ``writer``: one that merges nothing when ``tagged`` is False."""
    return StructureMerger(writer) if tagged else Untagged()
