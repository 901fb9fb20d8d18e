"""The key bindings of the two home screens (the teacher's dashboard, a student's home),
declared once here: the screens use them, and so do their openings (ui/screens/opening.py),
which are shown before the screens' modules are imported and must offer the same keys."""

from __future__ import annotations

from textual.binding import Binding, BindingType

DASHBOARD: list[BindingType] = [
    Binding("w", "queue", "Checks", id="dashboard.queue"),
    Binding("enter", "student", "Student", show=False, id="dashboard.student"),
    Binding("g", "next_group", "Group", id="dashboard.group"),
    Binding("f", "next_playlist", "Playlist", id="dashboard.playlist"),
    Binding("v", "switch_view", "View", id="dashboard.view"),
    Binding("s", "groups", "Groups", id="dashboard.groups"),
    Binding("a", "curriculum", "Curriculum", show=False, id="dashboard.curriculum"),
    Binding("n", "assign", "Assign playlist", show=False, id="dashboard.assign"),
    Binding("R", "roster", "Roster", show=False, id="dashboard.roster"),
]

HOME: list[BindingType] = [
    Binding("enter", "open_playlist", "Open playlist", show=True, priority=True,
            id="home.open-playlist"),
    Binding("c", "competencies", "My competencies", id="home.competencies"),
    Binding("g", "goals", "Goals", id="home.goals"),
]
