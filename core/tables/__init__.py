"""Tables out to spreadsheets: every table of a run's answers as CSV and one workbook.

The tables are read back from each section's Markdown (:mod:`.collect`), whichever
backend wrote it (the offline extractor's tables, Gemini's *Tables* template), each with
its section and page; a table cut by a page break or a section boundary is joined into
one (:mod:`.join`); :mod:`.write` writes one CSV per table and one ``.xlsx`` workbook
with a sheet per table. See docs/ARCHITECTURE.md, "Tables".
"""
