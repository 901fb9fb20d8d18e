"""Reports, printable playlists and the student report: plain text out of the engine.

Every function here takes a :class:`~playlist_tui.model.klass.ClassData` and returns text
(CSV, JSON, Markdown, HTML) or plain data; the rules come from :mod:`playlist_tui.engine`.
No textual, no rich (the terminal table is drawn by the ``report`` command).
"""
