"""Pydantic models of the class folder's files (frozen), ids and validation. No I/O."""
