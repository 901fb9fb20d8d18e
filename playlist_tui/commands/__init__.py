"""One module per subcommand. Each has ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int``; :mod:`playlist_tui.cli` lists them in ``COMMANDS``."""
