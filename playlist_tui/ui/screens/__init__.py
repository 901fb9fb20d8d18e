"""The screens: each draws what it is given and posts messages up (docs/architecture.md)."""
