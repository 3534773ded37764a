"""Onboarding a fund that kept its books elsewhere (Excel, paper, a local app) from a spreadsheet.

`sheets` says what the workbook holds, `template` writes the workbook Mardom hands out, `reader` turns an
uploaded xlsx or csv into rows (refusing what is not a clean table: wrong headers, merged cells, formulas, a
file too large or not a spreadsheet), `validation` checks everything and builds the plan of what to post,
collecting every problem by sheet, row and column, and `posting` writes the plan in one transaction,
idempotent by the file's hash. Nothing is written until the file is clean.
"""
