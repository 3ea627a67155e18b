"""The one CSV writer: formula-like text neutralised (and exactly restorable), BOM, empty cells."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from evalflow.shared.files import csvfile


def test_csv_writer_neutralises_every_formula_start_and_keeps_numbers():
    rows = [['=HYPERLINK("x")', "+1", "-2", "@a", "\tx", "\rx", "'=x", "甲", -2, None, "a=b"]]
    text = csvfile.text(rows)
    assert text.startswith("\ufeff") and text.endswith("\r\n")
    cells = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert cells == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@a", "'\tx", "'\rx", "''=x", "甲", "-2", "", "a=b"]
    assert csvfile.data([["甲"]], bom=False, newline="\n") == "甲\n".encode()


@given(st.text(alphabet=st.sampled_from("'=+-@\t\ra甲,\""), max_size=8))
def test_csv_cell_restore_undoes_neutralise_exactly(value):
    written = csvfile.neutralise(value)
    assert csvfile.restore(written) == value
    assert not written.startswith(csvfile.FORMULA_START)


def test_xlsx_cells_are_strings_without_a_visible_apostrophe():
    book = Workbook()
    csvfile.xlsx_append(book.active, ['=HYPERLINK("x")', "+1", "@a", "-2", 3, "甲"])
    out = io.BytesIO()
    book.save(out)
    cells = list(load_workbook(out).active.iter_rows())[0]
    assert [c.value for c in cells] == ['=HYPERLINK("x")', "+1", "@a", "-2", 3, "甲"]
    assert [c.data_type for c in cells] == ["s", "s", "s", "s", "n", "s"]
    assert [c.quotePrefix for c in cells] == [True, True, True, True, False, False]
