"""Review B11-3: the header row picker (the upload page's header step, the file page's "Header row"
select) and its note offer no blank record, one whose every cell is empty, whitespace or a placeholder:
the Lambda counts such a record in `rows_blank`, never as a row, so it is no header. Expected values by
hand, from the review's file."""

import re
from decimal import Decimal

from django.urls import reverse

from pipeline_admin.headers import header_inspect
from tests.pipeline_admin.test_upload_header_step import checked
from tests.pipeline_admin.test_upload_status import processed_upload

# /tmp/bk11/cases/blank_nasty_web.csv: the header on line 1; orders 1-4 (1.00, 2.00, 3.00, 4.00) on lines 2,
# 8, 14 and 18; between them blank records of every kind: quoted empty cells (3), whitespace (4, 21, 23),
# placeholders (5: N/A, #N/A, -, null, nan; 17: None, NA, NaN, NULL, #n/a), delimiters only (6, 7, 19, 20),
# a quoted space, an empty cell, a quoted tab, NULL and an em dash (9), a quoted NBSP (10), a quoted
# zero-width space (11), five kinds of Unicode space and zero-width (12), empty lines (13, 22), a quoted line
# break (15-16). Of the 23 lines the header search reads 5, 9, 10, 11, 12 and 17 as records besides the
# orders' (the others hold nothing but delimiters, quotes and spaces): all six are blank.
BLANK_NASTY = (
    'order_id,customer,amount,order_date,status\n1,Ann,1.00,2025-05-01,shipped\n"","","","",""\n   \t\n'
    "N/A,#N/A,-,null,nan\n,,,,\n,,,,,,,,\n2,Bob,2.00,2025-05-01,shipped,,,\n"
    '" ",  ,"\t",NULL,\u2014\n"\u00a0",,,,\n"\u200b",,,,\n\u3000,\u2009,\u202f,\ufeff,\u2060\n\n'
    '3,Cy,3.00,2025-05-01,shipped\n"\n",,,,\nNone,NA,NaN,NULL,#n/a\n4,Dee,4.00,2025-05-01,shipped\n'
    ',\n"",""\n  ,  ,  \n\n   \n'
).encode()


def test_blank_records_are_neither_offered_as_the_header_row_nor_said_to_look_like_one():
    check = header_inspect(sample=BLANK_NASTY)
    assert check.line == 1
    assert [c["line"] for c in check.candidates] == [1, 2, 8, 14, 18]  # the header and the orders' lines
    assert check.others == []  # lines 5 and 17 (placeholders only) were said to "also look like a header"


def test_the_file_page_offers_no_blank_record_and_counts_them_blank(client, twin, pipeline_admin):
    upload = processed_upload(client, pipeline_admin, body=BLANK_NASTY, name="blank_nasty_web.csv")
    # Blank: lines 3-7, 9-13, 15-16 (one record), 17, 19-23: 5 + 5 + 1 + 1 + 5 = 17. Orders 1+2+3+4 = 10.00.
    assert (upload.manifest["rows_blank"], upload.rows_in) == (17, 4)
    assert Decimal(upload.manifest["amount_total"]) == Decimal("10.00")
    page = client.get(reverse("pipeline_admin:upload_detail", args=[upload.pk])).content.decode()
    assert "like a header" not in page
    offered = [int(n) for n in re.findall(r'<option value="(\d+)"', page)]
    assert offered == [1, 2, 8, 14, 18]


# Three header-like records, orders between them: lines 3 and 5 also look like a header (no cell starts like
# a value, as many cells as the header's) and repeat none of it, so neither is a repeated header (B12-1).
THRICE = (
    b"order_id,amount,order_date\nT1,100.00,2025-05-01\nref,total,day\nT2,200.00,2025-05-02\n"
    b"id,sum,when\nT3,3,2025-05-03\n"
)


def test_the_note_names_the_records_mid_sentence_in_lower_case(client, twin, uploader):
    client.force_login(uploader)
    page, _ = checked(client, THRICE, "thrice.csv")
    # By hand: choosing line 3 skips line 2 (T1); choosing line 5 skips lines 2, 3, 4 (T1, ref, T2).
    assert (
        "Line 3 (ref, total, day), line 5 (id, sum, when) also look like a header: if the orders table starts "
        "there, choose it as the header row. Choosing line 3 skips the row read now above it (line 2). "
        "Choosing line 5 skips the 3 rows read now above it (lines 2–4)."
    ) in page
