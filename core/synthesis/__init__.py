"""The whole document: one answer built from the section answers, after the sections.

Sections are how SectionFlow reads; an analyst still needs the answer for the document.
Once every section has run, one more step (:mod:`.step`) builds it from the section
answers: offline, an extractive synthesis of the section summaries (:mod:`.extractive`);
with Gemini, one text-only request that holds every section answer with its citations
(:mod:`.prompt`, sent by :mod:`core.processors.gemini_synthesis`). Every claim keeps the
page its section cited. The synthesis is a :class:`core.results.SectionResult` of its own
(id :data:`.inputs.SYNTHESIS_ID`), journaled with the key of the answers it was made from
(:func:`.inputs.inputs_key`), so a resumed run keeps it while those answers are unchanged.
See docs/ARCHITECTURE.md, "The whole document".
"""
