"""Import and export of standard formats: CASE competency frameworks and OneRoster rosters.

Pure logic over bytes and texts: nothing here touches the terminal UI. Each importer
builds its whole result in memory and hands one operation to
:class:`playlist_tui.store.store.ClassStore`, which writes it atomically (or not at all).
"""
