from playlist_tui.cli import main

raise SystemExit(main())
