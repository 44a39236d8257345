"""Spreadsheets out: one table definition per export (``columns``), written as CSV or XLSX by one writer
(``writers``), chosen by name (``formats``); and the bid workbook built from a document's snapshot (``workbook``).

A table is a ``Table`` of typed ``Column``s and its rows are plain dicts of raw values (money in integer pence,
percentages as fractions, moments as datetimes). The writers turn them into what each format reads best: pounds
text "1234.56" in a CSV, a number with a £ format in a workbook. Formula-like text is neutralised in both."""
