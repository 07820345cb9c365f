"""Finish WeasyPrint's tagged PDF into one a screen reader and a PDF/UA-1 validator accept.

WeasyPrint tags what it draws, but leaves gaps a validator and a listener notice. After each
render this module repairs the structure tree and the page content together:

- content no structure element owns (running headers and footers, drawn in page-margin
  boxes; ``aria-hidden`` and ``alt=""`` elements, see ``renderer.hide_decoration``) becomes
  an artifact, so a screen reader skips it;
- an element nested in one of its own kind (an ``<h3>`` laid out as a flex box gives
  H3 > H3) is merged into it, and an element listed twice is listed once;
- heading levels never skip, and the outline stays the one the HTML meant (the page
  designs style ``<h3>`` cards under an ``<h1>`` title: they are read out as H2);
- lists are L > LI > Lbl/LBody, whatever boxes the layout put between them;
- table header cells say whether they head a column or a row (/Scope);
- letter-spaced text carries its words as /ActualText, so extractors and readers get
  "SUICIDE PREVENTION", not "S U I C I D E".

The parent tree (which element owns each piece of marked content) is rebuilt from the
repaired tree, so it agrees with it exactly; content.py then rewrites the pages to match.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name

from printkit.render.content import rewrite

# pikepdf's objects are dynamically typed (a Dictionary's values are any PDF object): they
# are Any here.
Obj = Any

HEADINGS = {f"/H{n}" for n in range(1, 7)}
# Elements a layout can nest in one of their own kind by accident (one HTML element, two
# boxes); merged into their parent.
MERGED = HEADINGS | {"/P", "/Caption", "/LBody", "/Lbl"}
LIST_KIDS = {"/LI", "/L", "/Caption"}
# Elements that mean something even when empty (a table's empty cell keeps its column).
KEEP_EMPTY = {"/Document", "/Part", "/Table", "/THead", "/TBody", "/TFoot", "/TR", "/TH",
              "/TD", "/Figure"}
ITEM_KIDS = {"/Lbl", "/LBody"}
HIDDEN = "/Artifact"  # the placeholder parent of hidden elements (see the renderer)


def finish(data: bytes) -> bytes:
    """``data`` (a tagged PDF from WeasyPrint) with its structure repaired."""
    pdf = pikepdf.open(io.BytesIO(data))
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return data
    tree = _Tree(pdf, root, hashlib.sha256(data).hexdigest()[:8])
    decoration = _decoration(pdf, root)
    tree.repair()
    owned = tree.rebuild_parent_tree()
    for index, page in enumerate(pdf.pages):
        rewrite(pdf, page, owned.get(index, set()), decoration.get(index, set()))
    out = io.BytesIO()
    pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _kids(element: Obj) -> list[Obj]:
    k = element.get("/K")
    if k is None:
        return []
    return list(k) if isinstance(k, Array) else [k]


def _is_element(obj: Obj) -> bool:
    return isinstance(obj, Dictionary) and "/S" in obj and obj.get("/Type") not in (
        "/MCR", "/OBJR")


class _Tree:
    def __init__(self, pdf: pikepdf.Pdf, root: Obj, stamp: str) -> None:
        self.pdf = pdf
        self.root = root
        self.stamp = stamp  # makes this render's element IDs unique in a reading copy
        self.page_of: dict[tuple[int, int], int] = {
            page.obj.objgen: i for i, page in enumerate(pdf.pages)}

    def elements(self) -> Iterator[Obj]:
        """Every element in reading order (depth first)."""
        stack = list(reversed([k for k in _kids(self.root) if _is_element(k)]))
        while stack:
            element = stack.pop()
            yield element
            stack.extend(reversed([k for k in _kids(element) if _is_element(k)]))

    def _set_kids(self, element: Obj, kids: list[Obj]) -> None:
        element.K = Array(kids)
        for kid in kids:
            if _is_element(kid):
                kid.P = element

    def _new(self, role: str, parent: Obj, kids: list[Obj]) -> Obj:
        element = self.pdf.make_indirect(Dictionary(Type=Name.StructElem, S=Name(role),
                                                    P=parent))
        if "/Pg" in parent:
            element.Pg = parent.Pg
        self._set_kids(element, kids)
        return element

    def repair(self) -> None:
        self._once()
        self._prune(self.root)
        for element in list(self.elements()):
            self._merge_repeats(element)
        for element in list(self.elements()):
            role = str(element.S)
            if role == "/L":
                self._list(element)
            elif role == "/LI":
                self._item(element)
            elif role == "/TH":
                self._scope(element)
            self._unique_ids(element)
        self._stray_items()
        self._levels()

    def _once(self) -> None:
        """Each element listed once, under one parent (which it names); cycles broken."""
        seen: set[object] = set()
        stack: list[Obj] = [self.root]
        while stack:
            parent = stack.pop()
            kids: list[Obj] = []
            for kid in _kids(parent):
                if _is_element(kid):
                    key = kid.objgen if kid.is_indirect else id(kid)
                    if key in seen:
                        continue
                    seen.add(key)
                    kid.P = parent
                    stack.append(kid)
                kids.append(kid)
            if len(kids) != len(_kids(parent)):
                parent.K = Array(kids)

    def _prune(self, element: Obj) -> bool:
        """Drop elements left with nothing in them (the wrapper of a hidden icon); True
        if ``element`` itself is now empty and may go."""
        kids = _kids(element)
        kept = [k for k in kids if not (_is_element(k) and self._prune(k))]
        if len(kept) != len(kids):
            element.K = Array(kept)
        if kept or element is self.root:
            return False
        if str(element.S) in KEEP_EMPTY and "/ID" not in element:
            # Two empty cells of a row are otherwise identical objects, which assembly
            # would store once and list twice.
            element.ID = pikepdf.String(f"empty-{element.objgen[0]}")
        return str(element.S) not in KEEP_EMPTY

    def _merge_repeats(self, element: Obj) -> None:
        """H3 > H3 (one HTML element laid out as two boxes) becomes one H3."""
        role = str(element.S)
        if role not in MERGED:
            return
        kids: list[Obj] = []
        changed = False
        for kid in _kids(element):
            if _is_element(kid) and str(kid.S) == role:
                kids.extend(self._moved(kid, element))
                changed = True
            else:
                kids.append(kid)
        if changed:
            self._set_kids(element, kids)
            self._merge_repeats(element)

    def _moved(self, source: Obj, target: Obj) -> list[Obj]:
        """``source``'s kids, ready to be kids of ``target`` (marked content that was on
        another page keeps its page)."""
        out: list[Obj] = []
        for kid in _kids(source):
            if isinstance(kid, int) and source.get("/Pg") is not None and (
                    target.get("/Pg") is None or source.Pg.objgen != target.Pg.objgen):
                kid = Dictionary(Type=Name.MCR, Pg=source.Pg, MCID=kid)
            out.append(kid)
        return out

    def _list(self, element: Obj) -> None:
        """An L holds list items (and lists, and a caption): a box the layout put between
        them is dissolved; anything else becomes an item of its own."""
        kids: list[Obj] = []
        pending = list(_kids(element))
        while pending:
            kid = pending.pop(0)
            if not _is_element(kid):
                kid = self._new("/LBody", element, [kid])
            role = str(kid.S)
            if role in LIST_KIDS:
                kids.append(kid)
            elif any(_is_element(k) and str(k.S) in ("/LI", "/L")
                     for k in _kids(kid)):
                pending[:0] = self._moved(kid, element)
            else:
                body = kid if role == "/LBody" else self._new("/LBody", element, [kid])
                kids.append(self._new("/LI", element, [body]))
        self._set_kids(element, kids)

    def _item(self, element: Obj) -> None:
        """An LI holds a label and a body: other kids go into a body."""
        kids: list[Obj] = []
        loose: list[Obj] = []
        for kid in _kids(element):
            if _is_element(kid) and str(kid.S) in ITEM_KIDS:
                if loose:
                    kids.append(self._new("/LBody", element, loose))
                    loose = []
                kids.append(kid)
            else:
                loose.append(kid)
        if loose:
            kids.append(self._new("/LBody", element, loose))
        self._set_kids(element, kids)

    def _stray_items(self) -> None:
        """List items outside a list get one around them."""
        for element in list(self.elements()):
            if str(element.S) == "/L":
                continue
            kids, run = [], []
            for kid in [*_kids(element), None]:
                if kid is not None and _is_element(kid) and str(kid.S) == "/LI":
                    run.append(kid)
                    continue
                if run:
                    kids.append(self._new("/L", element, run))
                    run = []
                if kid is not None:
                    kids.append(kid)
            if len(kids) != len(_kids(element)):
                self._set_kids(element, kids)

    def _scope(self, element: Obj) -> None:
        """A header cell heads its column, or its row when it starts a row of data."""
        row = element.get("/P")
        cells = [str(k.S) for k in _kids(row) if _is_element(k)] if row is not None else []
        kids = _kids(row) if row is not None else []
        first = bool(kids) and _is_element(kids[0]) and kids[0].objgen == element.objgen
        scope = Name.Row if first and "/TD" in cells else Name.Column
        attributes = element.get("/A")
        if isinstance(attributes, Dictionary) and attributes.get("/O") == "/Table":
            attributes.Scope = scope
        else:
            element.A = Dictionary(O=Name.Table, Scope=scope)

    def _unique_ids(self, element: Obj) -> None:
        """Header-cell IDs (and the cells' references to them) carry this render's stamp:
        WeasyPrint numbers them by object, so two documents of a kit would share them."""
        if "/ID" in element:
            element.ID = pikepdf.String(f"{self.stamp}-{element.ID}")
        attributes = element.get("/A")
        if isinstance(attributes, Dictionary) and "/Headers" in attributes:
            attributes.Headers = Array([pikepdf.String(f"{self.stamp}-{h}")
                                        for h in attributes.Headers])

    def _levels(self) -> None:
        """Renumber headings so none skips a level, keeping the outline the HTML meant: a
        heading sits one level below the nearest heading before it of a higher HTML
        level (so two <h3> cards after an <h1> are both H2, siblings)."""
        outline: list[tuple[int, int]] = []   # (HTML level, level read out)
        for element in self.elements():
            role = str(element.S)
            if role in HEADINGS:
                written = int(role[2])
                while outline and outline[-1][0] >= written:
                    outline.pop()
                level = outline[-1][1] + 1 if outline else 1
                outline.append((written, level))
                element.S = Name(f"/H{level}")

    def rebuild_parent_tree(self) -> dict[int, set[int]]:
        """The parent tree from the tree as it now is; returns the marked-content ids each
        page's elements own (everything else on the page is to be an artifact)."""
        owned: dict[int, dict[int, Obj]] = {}
        objects: dict[int, Obj] = {}
        for element in self.elements():
            page = element.get("/Pg")
            for kid in _kids(element):
                if isinstance(kid, int) and page is not None:
                    owned.setdefault(self.page_of[page.objgen], {})[kid] = element
                elif isinstance(kid, Dictionary) and kid.get("/Type") == "/MCR":
                    where = kid.get("/Pg", page)
                    owned.setdefault(self.page_of[where.objgen], {})[int(kid.MCID)] = element
                elif isinstance(kid, Dictionary) and kid.get("/Type") == "/OBJR":
                    annotation = kid.Obj
                    if "/StructParent" in annotation:
                        objects[int(annotation.StructParent)] = element
        nums: list[Obj] = []
        keys: dict[int, object] = {}
        for index, page in enumerate(self.pdf.pages):
            if "/StructParents" in page.obj:
                mine = owned.get(index, {})
                size = max(mine) + 1 if mine else 0
                keys[int(page.obj.StructParents)] = Array(
                    [mine.get(i, None) for i in range(size)])
        keys.update(objects)
        for key in sorted(keys):
            nums.extend([key, keys[key]])
        self.root.ParentTree = self.pdf.make_indirect(Dictionary(Nums=Array(nums)))
        self.root.ParentTreeNextKey = max(keys) + 1 if keys else 0
        return {page: set(ids) for page, ids in owned.items()}


def _decoration(pdf: pikepdf.Pdf, root: Obj) -> dict[int, set[int]]:
    """The marked content of hidden elements, by page: a layout artifact. What else no
    element will own is a page-margin box's (running header or footer): pagination."""
    out: dict[int, set[int]] = {}
    tree = root.get("/ParentTree")
    nums = list(tree.get("/Nums", [])) if tree is not None else []
    by_key = {int(nums[i]): nums[i + 1] for i in range(0, len(nums) - 1, 2)}
    for index, page in enumerate(pdf.pages):
        key = page.obj.get("/StructParents")
        owners = by_key.get(int(key)) if key is not None else None
        if not isinstance(owners, Array):
            continue
        for mcid, element in enumerate(owners):
            for _ in range(64):  # up to the tree, or to a hidden element's holder
                if not isinstance(element, Dictionary) or str(element.get("/S")) == HIDDEN:
                    break
                element = element.get("/P")  # type: ignore[assignment]
            if isinstance(element, Dictionary):
                out.setdefault(index, set()).add(mcid)
    return out
