"""The application layer between the store and the screens (no Textual, no rich).

:class:`~playlist_tui.session.session.ClassSession` owns one class folder as the app
uses it: the store, git, the saves, commit bursts, sync and the watcher, and publishes
one :mod:`event <playlist_tui.session.events>` per change. ``views`` turns the engine's
answers into what the screens show. The Textual app (``playlist_tui.ui.app``) is a thin
shell over it.
"""
