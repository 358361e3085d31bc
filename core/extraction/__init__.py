"""The offline extractor's parts: a section's PDF read as structured Markdown.

:mod:`core.extract` is the entry point (run in a worker process); the modules here each
hold one kind of structure: the page's lines (:mod:`.reading`), reading order across
columns (:mod:`.columns`), running headers and footers (:mod:`.running`), headings and
contents pages (:mod:`.headings`), tables (:mod:`.tables`, :mod:`.borderless`), code
(:mod:`.code`), the
page's blocks (:mod:`.blocks`), keywords and the summary (:mod:`.text`) and the
Markdown (:mod:`.markdown`).
"""
