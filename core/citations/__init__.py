"""Citations: every claim of a result points to the page of the document it came from.

One shape for both backends (:class:`core.citations.model.Citation`); the pages a model
counts inside its excerpt are mapped to the document's (:mod:`.pages`), each quote is
checked against its page's text layer in a PDF worker (:mod:`.verify`), and the checked
citations are written back into the result (:mod:`.apply`). See docs/ARCHITECTURE.md,
"Citations". The package imports nothing from its own modules here, so the backends can
import a leaf module without pulling in the others.
"""
