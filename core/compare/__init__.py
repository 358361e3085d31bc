"""Comparing two runs: two versions of a document, or one document under two questions.

Each side is a journaled run or an exported JSON file (:mod:`.sources`). Sections are
matched by title, then by text similarity when titles changed (:mod:`.match`); each is
``same``, ``changed``, ``added`` or ``removed``. For two versions of a document the
pages' text decides, and the pages whose text changed are named (:mod:`.pages`); for
one document under two prompts or models the answers do, shown side by side with a word
diff (:mod:`.diff`). :mod:`.report` builds the comparison and writes it as JSON and
Markdown. See docs/ARCHITECTURE.md, "Comparing runs".
"""
