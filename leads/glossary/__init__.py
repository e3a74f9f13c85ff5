"""The glossary: one language for both teams (DESIGN.md, "Vocabulary").

Most terms are written by the admin. The entries whose meaning the system itself defines (what
an MQL and an SQL are, the hot, warm and cold bands, the grade) are generated from the
definitions in force each time they are read, so the glossary cannot disagree with the
criteria and the scoring model; only their free-text note is written by hand.

- ``models``: the terms.
- ``generated``: the generated entries' words, from the active criteria and scoring model.
- ``selectors``: the glossary page's entries, and the labels ``{% term %}`` links (one query).
- ``services``: creating, changing and deleting terms (pages, the admin and the API).
"""
