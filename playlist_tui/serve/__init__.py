"""``playlist-tui serve``: the app in a web browser, over textual-serve, made safe to run.

:mod:`playlist_tui.serve.server` is the web server (imported only when serving: it needs
aiohttp and textual-serve); :mod:`playlist_tui.serve.child` starts the app for one browser
session. This package's ``__init__`` stays empty so that the app process imports nothing
of the server.
"""
