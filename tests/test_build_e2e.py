"""End-to-end: build the sample kit and inspect the PDFs a user gets."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import NullObject

from .conftest import pdftotext

pytestmark = pytest.mark.slow


def reading(root: Path) -> Path:
    return root / "build" / "mini" / "mini.pdf"


def test_outputs_exist_and_are_valid(built: Path) -> None:
    folder = built / "build" / "mini"
    for name in ("mini.pdf", "handouts/alpha.pdf", "handouts/beta.pdf", "handouts/gamma.pdf",
                 "manifest.json"):
        assert (folder / name).is_file(), name
    for pdf in folder.rglob("*.pdf"):
        check = subprocess.run(["qpdf", "--check", str(pdf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr


def test_page_labels_cover_contents_then_continuous(built: Path) -> None:
    reader = PdfReader(reading(built))
    labels = reader.page_labels
    assert labels[0] == "Cover"
    assert labels[1] == "i"
    assert labels[2:5] == ["1", "2", "3"]
    assert len(labels) == len(reader.pages) >= 6


def test_contents_page_shows_true_labels(built: Path) -> None:
    reader = PdfReader(reading(built))
    labels = reader.page_labels
    contents = pdftotext(reading(built), 2, 2)
    outline = {str(o.title): reader.get_destination_page_number(o)
               for o in reader.outline if not isinstance(o, list)}
    for title in ("Alpha handout", "Beta guide", "Gamma long guide"):
        line = next(ln for ln in contents.splitlines() if title in ln)
        assert line.split()[-1] == labels[outline[title]], line
        # the document really starts there
        assert title in pdftotext(reading(built), outline[title] + 1, outline[title] + 1)


def test_bookmarks_one_per_document_with_nested_headings(built: Path) -> None:
    reader = PdfReader(reading(built))
    top = [str(o.title) for o in reader.outline if not isinstance(o, list)]
    assert top == ["Contents", "Alpha handout", "Beta guide", "Gamma long guide"]
    nested = reader.outline[reader.outline.index(
        next(o for o in reader.outline if not isinstance(o, list)
             and o.title == "Gamma long guide")) + 1]
    assert [str(o.title) for o in nested][:2] == ["Gamma part 1", "Gamma part 2"]


def test_metadata_language_and_title(built: Path) -> None:
    reader = PdfReader(reading(built))
    meta = reader.metadata
    assert meta is not None
    assert meta.title == "Mini Kit"
    assert meta.author == "Testville Police Department"
    assert "Three documents" in (meta.subject or "")
    assert "printkit" in str(meta.get("/Keywords"))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert bool(reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"])


def test_all_fonts_embedded_and_packaged(built: Path) -> None:
    out = subprocess.run(["pdffonts", str(reading(built))], capture_output=True, text=True,
                         check=True).stdout.splitlines()[2:]
    assert out
    for line in out:
        name = line.split()[0]
        assert "Atkinson" in name and "printkit" not in name, line
        assert " yes " in line, f"not embedded: {line}"


def test_text_variables_dates_and_registry(built: Path) -> None:
    text = pdftotext(built / "build/mini/handouts/alpha.pdf")
    assert "Event on March 5, 2026; check in on March 12, 2026" in text
    assert "988 Suicide & Crisis Lifeline" in text
    assert "EAP desk" in text
    assert "Testville PD" in text  # running footer


def test_page_numbers_are_stamped(built: Path) -> None:
    reader = PdfReader(reading(built))
    last = reader.pages[-1].extract_text()
    assert re.search(rf"\b{reader.page_labels[-1]}\b", last)
    gamma = PdfReader(built / "build/mini/handouts/gamma.pdf")
    assert "1 of " in gamma.pages[0].extract_text()


def test_manifest_lists_inputs_pages_and_output_hashes(built: Path) -> None:
    folder = built / "build" / "mini"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert [d["id"] for d in manifest["documents"]] == ["alpha", "beta", "gamma"]
    assert all(d["pages"] >= 1 for d in manifest["documents"])
    assert "kits/mini.yaml" in manifest["inputs"]
    assert "templates/docs/mini/alpha.html" in manifest["inputs"]
    assert "assets/img/dot.svg" in manifest["inputs"]
    for name, info in manifest["outputs"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == info["sha256"]
    assert manifest["variables"]["event_name"] == "kits/mini.yaml"


def _elements(node: object) -> list[dict[str, object]]:
    """Every structure element below ``node`` (depth first)."""
    from pypdf.generic import ArrayObject, DictionaryObject

    out: list[dict[str, object]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        obj = item.get_object() if hasattr(item, "get_object") else item
        if isinstance(obj, DictionaryObject) and obj.get("/Type") not in ("/MCR", "/OBJR"):
            out.append(obj)
            kids = obj.get("/K")
            if kids is not None:
                kids = kids.get_object()
                stack.extend(kids if isinstance(kids, ArrayObject) else [kids])
    return out


@pytest.mark.parametrize("kit", ["mini", "print"])
def test_reading_copy_is_tagged_on_every_page(built: Path, kit: str) -> None:
    reader = PdfReader(built / "build" / kit / f"{kit}.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert bool(root["/MarkInfo"]["/Marked"])
    tree = root["/StructTreeRoot"]
    keys = [p.get("/StructParents") for p in reader.pages]
    assert None not in keys and len(set(keys)) == len(keys)
    nums = tree["/ParentTree"]["/Nums"]
    assert set(keys) <= {nums[i] for i in range(0, len(nums), 2)}
    document = tree["/K"][0].get_object()
    parts = [str(k.get_object()["/T"]) for k in document["/K"]]
    assert parts[0] == ("Mini Kit" if kit == "mini" else "Mini Print Kit")
    page_ids = {p.indirect_reference.idnum for p in reader.pages}
    elements = _elements(document)
    assert len(elements) > 20
    on_pages = set()
    for element in elements:
        if "/Pg" in element:
            page = element.raw_get("/Pg")
            assert page.idnum in page_ids
            on_pages.add(page.idnum)
    # every non-blank page's content is reachable through the tree
    for page in reader.pages:
        text = page.extract_text()
        if "actual size" in text:
            continue  # a card proof: drawn as an artifact, its words are tagged elsewhere
        if page.get_contents() is not None and text.strip():
            assert page.indirect_reference.idnum in on_pages


def test_contents_entries_link_to_their_documents(built: Path) -> None:
    reader = PdfReader(reading(built))
    starts = {str(o.title): reader.get_destination_page_number(o)
              for o in reader.outline if not isinstance(o, list)}
    annots = [a.get_object() for a in reader.pages[1].get("/Annots", [])]
    targets = []
    for annot in annots:
        assert "/A" not in annot or "/URI" not in annot["/A"], "no placeholder URLs left"
        dest = annot.get("/Dest")
        if dest is not None:
            targets.append(reader.get_page_number(dest[0].get_object()))
    assert sorted(targets) == sorted(v for k, v in starts.items() if k != "Contents")


def test_contents_links_say_where_they_go_and_keep_the_zoom(built: Path) -> None:
    """A screen reader announces a contents link by its target ("Beta guide, page 3"), not a
    placeholder address; following it keeps the reader's zoom (/XYZ, not /Fit)."""
    reader = PdfReader(reading(built))
    labels = reader.page_labels
    described = []
    for annot in (a.get_object() for a in reader.pages[1].get("/Annots", [])):
        dest = annot["/Dest"]
        assert dest[1] == "/XYZ" and all(isinstance(v, NullObject) for v in dest[2:]), dest
        target = reader.get_page_number(dest[0].get_object())
        described.append(str(annot["/Contents"]))
        assert str(annot["/Contents"]).endswith(f", page {labels[target]}")
    assert described and not any("invalid" in d or "://" in d for d in described)
