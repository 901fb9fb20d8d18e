"""The class folder on disk: discovery, loading with problems, operations, atomic writes."""
