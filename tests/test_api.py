"""The library API as a user of the package calls it, and the pure page-placement rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pypdf import PdfReader

import printkit
from printkit.produce.placement import place


@pytest.mark.slow
def test_build_returns_results_and_a_second_build_is_up_to_date(project: Path) -> None:
    loaded = printkit.load_project(project)
    options = printkit.BuildOptions(jobs=1)

    [first] = printkit.build(loaded, ["mini"], options)
    assert isinstance(first, printkit.KitResult)
    assert first.kit_id == "mini"
    assert first.folder == project / "build" / "mini"
    assert first.pages > 0 and first.rendered > 0 and not first.up_to_date
    assert project / "build" / "mini" / "mini.pdf" in first.outputs
    for output in first.outputs:
        assert output.is_file() and output.is_relative_to(first.folder), output
        if output.suffix == ".pdf":
            assert output.read_bytes().startswith(b"%PDF-"), output
            assert len(PdfReader(output).pages) > 0, output
    assert len(PdfReader(first.folder / "mini.pdf").pages) == first.pages

    [again] = printkit.build(loaded, ["mini"], options)
    assert again.up_to_date and again.rendered == 0
    assert (again.kit_id, again.pages) == (first.kit_id, first.pages)
    assert (first.folder / "mini.pdf").is_file()


def test_unknown_kit_is_an_input_error_naming_the_file(project: Path) -> None:
    loaded = printkit.load_project(project)
    with pytest.raises(printkit.InputError) as raised:
        printkit.build(loaded, ["mnii"], printkit.BuildOptions(jobs=1))
    assert "kits/mnii.yaml" in str(raised.value)
    assert "Did you mean 'mini'?" in str(raised.value)
    assert [p.file for p in raised.value.problems] == ["kits/mnii.yaml"]
    assert isinstance(raised.value, printkit.PrintkitError)
    assert not (project / "build" / "mnii").exists()


# place(): where each document starts in the reading copy, from page counts alone.

def test_place_simplex_numbers_continuously_without_blanks() -> None:
    placement = place([3, 2, 5, 1], duplex=False, cover_pages=1, contents_pages=1)
    assert placement.starts == (1, 4, 6, 11)
    assert placement.blanks_after == (0, 0, 0, 0)
    assert placement.front_blanks == (0, 0)


def test_place_duplex_pads_odd_documents_to_start_on_a_right_hand_page() -> None:
    placement = place([3, 2, 5, 4, 1], duplex=True)
    assert placement.starts == (1, 5, 7, 13, 17)
    assert placement.blanks_after == (1, 0, 1, 0, 0)


def test_place_duplex_even_documents_need_no_blanks() -> None:
    placement = place([2, 4, 6], duplex=True)
    assert placement.starts == (1, 3, 7)
    assert placement.blanks_after == (0, 0, 0)


@pytest.mark.parametrize("cover,contents,front", [
    (1, 1, (1, 1)), (2, 1, (0, 1)), (1, 2, (1, 0)), (2, 2, (0, 0)), (0, 0, (0, 0)),
    (0, 3, (0, 1)),
])
def test_place_duplex_pads_front_matter_to_even(cover: int, contents: int,
                                                front: tuple[int, int]) -> None:
    placement = place([1, 1], duplex=True, cover_pages=cover, contents_pages=contents)
    assert placement.front_blanks == front
    assert placement.starts == (1, 3), "the front matter does not count in the numbers"


@pytest.mark.parametrize("duplex", [True, False])
def test_place_last_document_gets_no_pad(duplex: bool) -> None:
    assert place([3], duplex).blanks_after == (0,)
    assert place([2, 3], duplex).blanks_after == (0, 0)
    assert place([3, 3], duplex).blanks_after == ((1, 0) if duplex else (0, 0))


def test_place_no_documents() -> None:
    placement = place([], duplex=True, cover_pages=1)
    assert placement.starts == () and placement.blanks_after == ()
    assert placement.front_blanks == (1, 0)


@given(pages=st.lists(st.integers(1, 40), max_size=12), duplex=st.booleans(),
       cover=st.integers(0, 3), contents=st.integers(0, 3))
def test_place_rules_hold_for_any_page_counts(pages: list[int], duplex: bool, cover: int,
                                              contents: int) -> None:
    placement = place(pages, duplex, cover, contents)
    assert len(placement.starts) == len(placement.blanks_after) == len(pages)
    number = 1
    for count, start, blank in zip(pages, placement.starts, placement.blanks_after,
                                   strict=True):
        assert start == number
        number += count + blank
        if duplex:
            assert start % 2 == 1, "every document starts on a right-hand page"
    if pages:
        assert placement.blanks_after[-1] == 0
    assert all(b == (1 if duplex and c % 2 else 0)
               for c, b in zip(pages[:-1], placement.blanks_after[:-1], strict=True))
    if duplex:
        assert (cover + placement.front_blanks[0]) % 2 == 0
        assert (contents + placement.front_blanks[1]) % 2 == 0
    else:
        assert placement.front_blanks == (0, 0)
