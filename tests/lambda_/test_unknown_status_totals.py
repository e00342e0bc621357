"""`unknown_statuses` says how many words on how many lines in all, not only the 10 it names
(review B12-9: 300 words on 5,841 lines read as "10 words, ~300 lines"). Expected values by hand."""

import pytest

from tests.lambda_.test_cleaning import clean, lines
from tests.lambda_.test_used_lines import said, warned


@pytest.mark.parametrize("buckets", [1, 3])
def test_more_words_than_named_say_their_totals(tmp_path, buckets):
    # 12 unknown words, one order each line: odd1 on 11 lines, odd2 on 10, ..., odd10 on 2 (11+10+...+2
    # = 65 lines), odd11 and odd12 on one line each: 12 words on 67 lines; then 3 shipped orders.
    # Lines: the header is line 1, the first order line 2, so the first five doubtful lines are 2-6.
    rows, n = ["order_id,amount,order_date,status"], 0
    for word, times in [(f"odd{k}", 12 - k) for k in range(1, 11)] + [("odd11", 1), ("odd12", 1)]:
        for _ in range(times):
            n += 1
            rows.append(f"{n},1.00,2025-05-01,{word}")
    rows += [f"{n + k},1.00,2025-05-01,shipped" for k in (1, 2, 3)]
    result = clean(lines(*rows), tmp_path, buckets=buckets)
    assert result.orders == 70
    found = warned(result)["unknown_statuses"]
    assert (found["count"], found["word_count"]) == (67, 12)
    assert found["words"] == {f"odd{k}": 12 - k for k in range(1, 11)}
    named = ", ".join(f"odd{k} ({12 - k} lines)" for k in range(1, 11))
    assert found["text"] == (
        "some statuses are not order statuses the site knows; kept as written: 12 words on 67 lines; "
        f"the most common: {named}; e.g. lines 2, 3, 4, 5, 6"
    )


def test_every_word_named_says_the_totals_without_the_most_common(tmp_path):
    # weird on lines 2 and 4 (Weird), odd on line 5; line 3 shipped: 2 words on 3 lines, both named.
    body = lines(
        "order_id,amount,order_date,status",
        "1,1.00,2025-05-01,weird",
        "2,1.00,2025-05-01,shipped",
        "3,1.00,2025-05-01,Weird",
        "4,1.00,2025-05-01,odd",
    )
    result = clean(body, tmp_path)
    assert said(result, "unknown_statuses") == (3, [2, 4, 5])
    found = warned(result)["unknown_statuses"]
    assert (found["words"], found["word_count"]) == ({"weird": 2, "odd": 1}, 2)
    said_text = "kept as written: 2 words on 3 lines: weird (2 lines), odd (1 line); e.g. lines 2, 4, 5"
    assert found["text"].endswith(said_text)
