"""playlist-tui: mastery-based learning playlists kept as plain TOML in a git-tracked folder."""

__version__ = "0.1.0"
