"""Pure functions over the model: progress, unlocks, readiness, mastery, explanations.

No I/O and no UI: every function takes a :class:`ClassData` and returns plain data.
"""
