"""Criterion columns named by the number printed on the paper form ("12.a" on the QĐ 148 forms).

A column whose printed number stands for one criterion number in every set that prints it is read as
that criterion (issue 13: the printed letter form is an alias wherever it is unambiguous). One that
stands for several ("3.c" is 3.3 on most QĐ 148 forms and 3.6 on forms 18 and 19), or whose criterion
already has its own column, is left as it is, and `tables.check_headers` refuses it with the numbers.
"""
from __future__ import annotations

import pandas as pd

from ..text import header_key


def read_printed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with each unambiguous printed-number column renamed to its criterion number."""
    from ..criteria import printed_numbers

    printed = printed_numbers()
    names = {str(c) for c in frame.columns}
    renames: dict[object, str] = {}
    for column in frame.columns:
        means = printed.get(header_key(str(column)))
        numbers = {number for _, number in means or ()}
        if len(numbers) == 1:
            (number,) = numbers
            if number not in names and number not in renames.values():
                renames[column] = number
    return frame.rename(columns=renames) if renames else frame
