"""Edit one playlist: its title and summary, its mastery check, its tiers and activities.

Rows: the playlist, its mastery check, then each tier (``▸``) with its activities. Each
form saves one operation on the playlist's file; only the lines that change are written.
"""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from playlist_tui.engine.progress import rule_words
from playlist_tui.model.files import Activity, Kind, MasteredUnlock, Playlist, Tier
from playlist_tui.model.klass import ClassData
from playlist_tui.model.problems import Problem
from playlist_tui.session.views import (
    adjusted_by,
    prepare_usage,
    ticked_by,
    ticks_in,
    tier_errors,
)
from playlist_tui.store import layout, ops
from playlist_tui.store.ops import Where
from playlist_tui.ui.format import cell
from playlist_tui.ui.screens.authoring import AuthoringScreen
from playlist_tui.ui.screens.forms import (
    ConfirmDialog,
    FormDialog,
    FormField,
    check_id,
    suggest_id,
)


def unlock_words(playlist: Playlist, index: int) -> str:
    rule = playlist.unlock_rule(index)
    if isinstance(rule, MasteredUnlock):
        return f"opens when {rule.mastered} is mastered"
    if rule == "open":
        return "open"
    return "opens after the tier before"


def check_words(playlist: Playlist) -> str:
    check = playlist.check
    if not check.competencies:
        return "none (no checks can be requested here)"
    if check.ready_after:
        titles = {t.id: t.title for t in playlist.tiers}
        when = f"ready after {titles.get(check.ready_after, check.ready_after)}"
    else:
        when = "ready when the required tiers are done"
    return when + (", prerequisites first" if check.require_prerequisites else "")


def unlock_value(rule: Any) -> str:
    if isinstance(rule, MasteredUnlock):
        return f"m:{rule.mastered}"
    return "default" if rule is None else str(rule)


def unlock_from_value(value: str) -> Any:
    if value.startswith("m:"):
        return {"mastered": value[2:]}
    return None if value == "default" else value


def parse_complete(raw: str) -> str | int | None:
    """``all``, ``optional`` or a whole number >= 1; None when it is none of these."""
    raw = raw.strip().lower()
    if raw in ("all", "optional", ""):
        return raw or "all"
    if raw.isdigit() and int(raw) >= 1:
        return int(raw)
    return None


def field_changes(base: Where, old: dict[str, Any], new: dict[str, Any]
                  ) -> tuple[tuple[Where, Any], ...]:
    """What a form changed: (where, new value), or None to remove a value left empty."""
    out: list[tuple[Where, Any]] = []
    for key, value in new.items():
        if value == old.get(key):
            continue
        empty = value is None or value == "" or value == ()
        out.append(((*base, key), None if empty else value))
    return tuple(out)


class PlaylistEditor(AuthoringScreen):
    """Keyboard-first editor of one playlist file."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "edit", "Edit", priority=True, id="playlist-editor.edit"),
        Binding("a", "add_activity", "Add activity", id="playlist-editor.add-activity"),
        Binding("t", "add_tier", "Add tier", id="playlist-editor.add-tier"),
        Binding("x,delete", "remove", "Remove", id="playlist-editor.remove"),
        Binding("shift+up", "move(-1)", "Move up", id="playlist-editor.move-up"),
        Binding("shift+down", "move(1)", "Move down", id="playlist-editor.move-down"),
        Binding("c", "link", "Competencies", id="playlist-editor.competencies"),
        Binding("e", "open_editor", "Text editor", id="playlist-editor.text-editor"),
    ]

    def __init__(self, data: ClassData, problems: list[Problem], teacher: str,
                 playlist_id: str) -> None:
        super().__init__(data, problems, teacher)
        self.playlist_id = playlist_id
        self.path = data.sources.get(("playlist", playlist_id),
                                     layout.playlist_file(playlist_id))

    @property
    def playlist(self) -> Playlist | None:
        return self.data.playlists.get(self.playlist_id)

    @property
    def file(self) -> str:
        return self.path

    # ------------------------------------------------------------------ view
    def refresh_view(self) -> None:
        self.path = self.data.sources.get(("playlist", self.playlist_id), self.path)
        # the usage lookups' answers, made in a worker: no cursor move waits for a pass
        # over every student of a large class
        self.run_worker(partial(prepare_usage, self.data, self.playlist_id), thread=True,
                        group="usage", exclusive=True)
        playlist = self.playlist
        self.sub_title = self.path
        kind_w, min_w, comp_w = 9, 4, 14
        width = self.width_left(kind_w, min_w, comp_w)
        columns = [("Playlist, tiers and activities", width), ("Kind", kind_w),
                   ("Min", min_w), ("Competencies", comp_w)]
        blank = [Text(""), Text(""), Text("")]
        if playlist is None:
            self.title = "Edit playlist"
            self.fill(columns, [("gone", [cell("This playlist cannot be read now: see the "
                                               "problems below, press e to fix it.", width),
                                          *blank])])
            return
        self.title = f"Edit: {playlist.title}"
        rows: list[tuple[str, list[Text]]] = [
            ("playlist", [cell(f"Playlist: {playlist.title}", width, bold=True), *blank]),
            ("check", [cell(f"Mastery check: {check_words(playlist)}", width), Text(""),
                       Text(""), cell(", ".join(playlist.check.competencies) or "–", comp_w)]),
        ]
        for index, tier in enumerate(playlist.tiers):
            words = f"▸ {tier.title} · {rule_words(tier)} · {unlock_words(playlist, index)}"
            rows.append((f"tier:{tier.id}", [cell(words, width, bold=True), Text("tier"),
                                             Text(""), Text("")]))
            for activity in tier.activities:
                rows.append((f"act:{activity.id}", [
                    cell(f"    {activity.title}", width), Text(str(activity.kind)),
                    Text("" if activity.minutes is None else str(activity.minutes)),
                    cell(", ".join(activity.competencies) or "–", comp_w)]))
            if not tier.activities:
                rows.append((f"empty:{tier.id}", [
                    cell("    (no activities yet: press a to add one)", width), *blank]))
        if not playlist.tiers:
            rows.append(("empty:", [cell("(no tiers yet: press t to add one)", width), *blank]))
        self.fill(columns, rows)

    row_actions = frozenset({"edit", "add_activity", "add_tier", "remove", "move", "link"})

    def applies(self, action: str, kind: str) -> bool | None:
        playlist = self.playlist
        if playlist is None:
            return action == "edit"
        if action in ("remove", "move"):
            return kind in ("tier", "act")
        if action == "link":
            return kind in ("act", "check", "playlist")
        if action == "add_activity":
            return bool(playlist.tiers)
        return True

    def tier_of(self, activity_id: str) -> tuple[int, Tier, int, Activity] | None:
        playlist = self.playlist
        if playlist is None:
            return None
        for ti, tier in enumerate(playlist.tiers):
            for ai, activity in enumerate(tier.activities):
                if activity.id == activity_id:
                    return ti, tier, ai, activity
        return None

    def ticked_by(self, activity_id: str) -> list[str]:
        return ticked_by(self.data, self.playlist_id, activity_id)

    def adjusted_by(self, ident: str) -> list[str]:
        return adjusted_by(self.data, self.playlist_id, ident)

    def details_text(self) -> str:
        playlist = self.playlist
        if playlist is None:
            return ""
        kind, ident = self.selected()
        if kind == "playlist":
            students = len(self.data.assignees(playlist.id))
            lines = [f"{playlist.title} · id {playlist.id} · assigned to {students} "
                     f"student{'s' if students != 1 else ''}"]
            lines.append(playlist.summary or "(no summary)")
            return "\n".join(lines)
        if kind == "check":
            if not playlist.check.competencies:
                return "No mastery check. Press enter to choose the competencies students " \
                       "can ask to have checked after this playlist."
            names = [f"{c} {self.data.competencies[c].label}" if c in self.data.competencies
                     else f"{c} (unknown competency)" for c in playlist.check.competencies]
            return "Checks on: " + "; ".join(names) + f"\n{check_words(playlist)}"
        if kind == "tier":
            index = next((i for i, t in enumerate(playlist.tiers) if t.id == ident), None)
            if index is None:
                return ""
            tier = playlist.tiers[index]
            count = len(tier.activities)
            return (f"Tier {index + 1}: {tier.title} · id {tier.id} · {count} "
                    f"activit{'y' if count == 1 else 'ies'}\nComplete: {rule_words(tier)}"
                    f" · unlock: {unlock_words(playlist, index)}")
        if kind == "act":
            found = self.tier_of(ident)
            if found is None:
                return ""
            _, tier, _, activity = found
            meta = [f"id {activity.id}", str(activity.kind)]
            if activity.minutes is not None:
                meta.append(f"{activity.minutes} min")
            meta.append("competencies: " + (", ".join(activity.competencies) or "none"))
            lines = [f"{activity.title} (in {tier.title})", " · ".join(meta)]
            if activity.link:
                lines.append(f"Link: {activity.link}")
            if activity.description:
                lines.append(activity.description)
            ticked = len(self.ticked_by(activity.id))
            if ticked:
                lines.append(f"Ticked by {ticked} student{'s' if ticked != 1 else ''}.")
            return "\n".join(lines)
        if kind == "empty":
            return "Press a to add an activity, t to add a tier."
        return ""

    # ------------------------------------------------------------------ helpers
    def post_edit(self, changes: tuple[tuple[Where, Any], ...], what: str, message: str,
                  follow: str | None = None) -> None:
        if not changes:
            self.notify("Nothing changed.")
            return
        self.save(ops.EditFields(self.path, changes, what=what), message, follow)

    def target_tier(self) -> Tier | None:
        playlist = self.playlist
        if playlist is None or not playlist.tiers:
            return None
        kind, ident = self.selected()
        if kind in ("tier", "empty"):
            found = next((t for t in playlist.tiers if t.id == ident), None)
            if found is not None:
                return found
        if kind == "act":
            located = self.tier_of(ident)
            if located is not None:
                return located[1]
        return playlist.tiers[0]

    def activity_ids(self, but: str | None = None) -> set[str]:
        playlist = self.playlist
        if playlist is None:
            return set()
        return {a.id for t in playlist.tiers for a in t.activities if a.id != but}

    # ------------------------------------------------------------------ actions
    def on_data_table_row_selected(self, event: Any) -> None:
        self.action_edit()

    def action_edit(self) -> None:
        kind, ident = self.selected()
        if self.playlist is None:
            self.notify("This playlist cannot be read now; press e to fix it in your editor.")
        elif kind == "playlist":
            self.edit_playlist()
        elif kind == "check":
            self.edit_check()
        elif kind == "tier":
            self.edit_tier(ident)
        elif kind == "act":
            self.edit_activity(ident)
        elif kind == "empty":
            if ident:
                self.action_add_activity()
            else:
                self.action_add_tier()

    def edit_playlist(self) -> None:
        playlist = self.playlist
        assert playlist is not None

        def check(values: dict[str, Any]) -> dict[str, str]:
            return {} if values["title"] else {"title": "write a title"}

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            new = {"title": values["title"], "summary": values["summary"]}
            old = {"title": playlist.title, "summary": playlist.summary}
            self.post_edit(field_changes((), old, new), "the playlist", "Playlist saved")

        self.app.push_screen(FormDialog("Playlist", [
            FormField("id", "Id", "fixed", value=f"{playlist.id}   (ticks use it: duplicate "
                                                 "the playlist for a new id)"),
            FormField("title", "Title", value=playlist.title),
            FormField("summary", "Summary", "multiline", playlist.summary, lines=4,
                      help="Shown to students above the tiers."),
        ], check, self.data), done)

    def edit_check(self) -> None:
        playlist = self.playlist
        assert playlist is not None
        check_model = playlist.check
        after = [("When every tier that is not optional is done", "")] + [
            (f"After tier {t.title} ({t.id})", t.id) for t in playlist.tiers]
        ready = check_model.ready_after or ""
        if ready not in [value for _, value in after]:
            after.append((f"After tier {ready} (not in this playlist)", ready))

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            new = {"competencies": tuple(values["competencies"]),
                   "ready_after": values["ready_after"] or None,
                   "require_prerequisites": bool(values["require_prerequisites"])}
            old = {"competencies": check_model.competencies,
                   "ready_after": check_model.ready_after,
                   "require_prerequisites": check_model.require_prerequisites}
            self.post_edit(field_changes(("check",), old, new), "the mastery check",
                           "Mastery check saved")

        self.app.push_screen(FormDialog("Mastery check", [
            FormField("competencies", "Competencies", "ids", check_model.competencies,
                      help="Students can ask for a check on these after this playlist."),
            FormField("ready_after", "Ready", "select", ready, options=after),
            FormField("require_prerequisites", "Prerequisites", "select",
                      check_model.require_prerequisites,
                      options=[("Not required", False),
                               ("Required: each prerequisite mastered first", True)]),
        ], None, self.data), done)

    def unlock_options(self, index: int, current: str) -> list[tuple[str, str]]:
        first = index == 0
        options = [
            ("Default: " + ("open (first tier)" if first else "after the tier before"),
             "default"),
            ("Open from the start", "open"),
            ("After the tier before is complete", "previous"),
        ]
        for cid, competency in self.data.competencies.items():
            label = competency.label if len(competency.label) <= 36 \
                else competency.label[:35] + "…"
            options.append((f"When {cid} is mastered: {label}", f"m:{cid}"))
        if current not in [value for _, value in options]:
            options.append((f"When {current[2:]} is mastered (unknown competency)", current))
        return options

    def tier_form(self, tier: Tier | None, index: int) -> FormDialog:
        playlist = self.playlist
        assert playlist is not None
        others = {t.id for t in playlist.tiers if tier is None or t.id != tier.id}
        count = len(tier.activities) if tier is not None else 0
        adjusted = self.adjusted_by(tier.id) if tier is not None else []

        def check(values: dict[str, Any]) -> dict[str, str]:
            errors: dict[str, str] = {}
            if not values["title"]:
                errors["title"] = "write a title"
            ident = values["id"] or (suggest_id(values["title"], others) if tier is None
                                     else "")
            problem = check_id(ident, others, "tier")
            if problem:
                errors["id"] = problem
            elif tier is not None and ident != tier.id and adjusted:
                errors["id"] = (f"{len(adjusted)} student(s) start at this tier by an "
                                "adjustment; keep the id")
            complete = parse_complete(values["complete"])
            errors.update(tier_errors(index, complete, unlock_from_value(values["unlock"]),
                                      count))
            if complete is None:
                errors["complete"] = 'write all, optional, or a number such as 2'
            return errors

        current = unlock_value(tier.unlock if tier is not None else None)
        return FormDialog("Tier" if tier is not None else "New tier", [
            FormField("title", "Title", value=tier.title if tier else "",
                      placeholder="e.g. Must do"),
            FormField("id", "Id", value=tier.id if tier else "",
                      placeholder="empty: made from the title" if tier is None else ""),
            FormField("complete", "Complete", value=str(tier.complete) if tier else "all",
                      help="all = every activity; optional; or N = at least N activities"),
            FormField("unlock", "Unlocks", "select", current,
                      options=self.unlock_options(index, current)),
        ], check, self.data)

    def edit_tier(self, tier_id: str) -> None:
        playlist = self.playlist
        assert playlist is not None
        index = next(i for i, t in enumerate(playlist.tiers) if t.id == tier_id)
        tier = playlist.tiers[index]

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            new = {"title": values["title"], "id": values["id"],
                   "complete": parse_complete(values["complete"]),
                   "unlock": unlock_from_value(values["unlock"])}
            old = {"title": tier.title, "id": tier.id, "complete": tier.complete,
                   "unlock": unlock_from_value(unlock_value(tier.unlock))}
            changes = field_changes(("tiers", tier.id), old, new)
            if new["id"] != tier.id and playlist.check.ready_after == tier.id:
                changes += ((("check", "ready_after"), new["id"]),)
            self.post_edit(changes, f"tier {tier.id}", f"Tier saved: {values['title']}",
                           follow=f"tier:{new['id']}")

        self.app.push_screen(self.tier_form(tier, index), done)

    def action_add_tier(self) -> None:
        playlist = self.playlist
        if playlist is None:
            return
        others = {t.id for t in playlist.tiers}

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            ident = values["id"] or suggest_id(values["title"], others)
            item: list[tuple[str, Any]] = [("id", ident), ("title", values["title"])]
            complete = parse_complete(values["complete"])
            if complete != "all":
                item.append(("complete", complete))
            unlock = unlock_from_value(values["unlock"])
            if unlock is not None:
                item.append(("unlock", unlock))
            self.save(ops.AddElement(self.path, ("tiers",), tuple(item)),
                      f"Tier added: {values['title']}", follow=f"tier:{ident}")

        self.app.push_screen(self.tier_form(None, len(playlist.tiers)), done)

    def activity_form(self, activity: Activity | None, tier: Tier) -> FormDialog:
        others = self.activity_ids(but=activity.id if activity else None)
        ticked = self.ticked_by(activity.id) if activity else []
        adjusted = self.adjusted_by(activity.id) if activity else []

        def check(values: dict[str, Any]) -> dict[str, str]:
            errors: dict[str, str] = {}
            if not values["title"]:
                errors["title"] = "write a title"
            ident = values["id"] or (suggest_id(values["title"], others)
                                     if activity is None else "")
            problem = check_id(ident, others, "activity in this playlist")
            if problem:
                errors["id"] = problem
            elif activity is not None and ident != activity.id and (ticked or adjusted):
                who = len(set(ticked) | set(adjusted))
                errors["id"] = (f"{who} student(s) ticked or were given this activity: "
                                "keep the id (change the title instead)")
            return errors

        kinds = [(str(k), str(k)) for k in Kind]
        return FormDialog(
            f"Activity in {tier.title}" if activity else f"New activity in {tier.title}", [
                FormField("title", "Title", value=activity.title if activity else ""),
                FormField("id", "Id", value=activity.id if activity else "",
                          placeholder="empty: made from the title" if activity is None
                          else ""),
                FormField("kind", "Kind", "select",
                          str(activity.kind) if activity else str(Kind.OTHER), options=kinds),
                FormField("minutes", "Minutes", "int",
                          activity.minutes if activity else None, placeholder="about how long"),
                FormField("link", "Link", value=(activity.link or "") if activity else "",
                          placeholder="https://…"),
                FormField("competencies", "Competencies", "ids",
                          activity.competencies if activity else ()),
                FormField("description", "Description", "multiline",
                          activity.description if activity else "", lines=3),
            ], check, self.data)

    def edit_activity(self, activity_id: str) -> None:
        found = self.tier_of(activity_id)
        if found is None:
            return
        _, tier, _, activity = found

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            new = {"id": values["id"], "title": values["title"], "kind": values["kind"],
                   "link": values["link"] or None, "minutes": values["minutes"],
                   "competencies": tuple(values["competencies"]),
                   "description": values["description"]}
            old = {"id": activity.id, "title": activity.title, "kind": str(activity.kind),
                   "link": activity.link, "minutes": activity.minutes,
                   "competencies": activity.competencies,
                   "description": activity.description}
            changes = field_changes(("tiers", tier.id, "activities", activity.id), old, new)
            self.post_edit(changes, f"activity {activity.id}",
                           f"Activity saved: {values['title']}", follow=f"act:{new['id']}")

        self.app.push_screen(self.activity_form(activity, tier), done)

    def action_add_activity(self) -> None:
        tier = self.target_tier()
        if tier is None:
            self.notify("Add a tier first (t).")
            return
        others = self.activity_ids()

        def done(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            ident = values["id"] or suggest_id(values["title"], others)
            item = [("id", ident), ("title", values["title"]), ("kind", values["kind"]),
                    ("link", values["link"]), ("minutes", values["minutes"]),
                    ("competencies", tuple(values["competencies"])),
                    ("description", values["description"])]
            kept = tuple((k, v) for k, v in item if v not in (None, "", ()))
            self.save(ops.AddElement(self.path, ("tiers", tier.id, "activities"), kept),
                      f"Activity added: {values['title']}", follow=f"act:{ident}")

        self.app.push_screen(self.activity_form(None, tier), done)

    def action_remove(self) -> None:
        playlist = self.playlist
        kind, ident = self.selected()
        if playlist is None:
            return
        if kind == "act":
            found = self.tier_of(ident)
            if found is None:
                return
            _, tier, _, activity = found
            ticked = len(self.ticked_by(ident))
            detail = (f"{ticked} student(s) ticked it or wrote a note on it: those lines "
                      "stay in their files and are reported as unknown."
                      if ticked else "No student has ticked it.")
            question = f"Remove the activity {activity.title!r} ({activity.id})?"
            operation: ops.Operation = ops.RemoveElement(
                self.path, ("tiers", tier.id, "activities", activity.id))
            message = f"Removed: {activity.title}"
        elif kind == "tier":
            tier = next(t for t in playlist.tiers if t.id == ident)
            ticked = ticks_in(self.data, self.playlist_id, [a.id for a in tier.activities])
            notes = []
            if tier.activities:
                notes.append(f"Its {len(tier.activities)} activities go too"
                             + (f" ({ticked} ticks by students stay in their files)."
                                if ticked else "."))
            if playlist.check.ready_after == tier.id:
                notes.append("The mastery check is ready after this tier: choose another "
                             "tier for it.")
            question = f"Remove the tier {tier.title!r} ({tier.id})?"
            detail = " ".join(notes) or "It has no activities."
            operation = ops.RemoveElement(self.path, ("tiers", tier.id))
            message = f"Removed tier: {tier.title}"
        else:
            self.notify("Choose a tier or an activity to remove.")
            return

        def answer(yes: bool | None) -> None:
            if yes:
                self.save(operation, message)

        self.app.push_screen(ConfirmDialog(question, detail), answer)

    def action_move(self, step: int) -> None:
        playlist = self.playlist
        kind, ident = self.selected()
        if playlist is None:
            return
        if kind == "tier":
            index = next(i for i, t in enumerate(playlist.tiers) if t.id == ident)
            if not 0 <= index + step < len(playlist.tiers):
                self.notify(f"It is already the {'first' if step < 0 else 'last'} tier.")
                return
            self.save(ops.MoveItem(self.path, ("tiers", ident), step),
                      f"Moved {'up' if step < 0 else 'down'}: {playlist.tiers[index].title}")
            return
        if kind != "act":
            self.notify("Choose a tier or an activity to move.")
            return
        found = self.tier_of(ident)
        if found is None:
            return
        ti, tier, ai, activity = found
        where: Where = ("tiers", tier.id, "activities", ident)
        if 0 <= ai + step < len(tier.activities):
            self.save(ops.MoveItem(self.path, where, step),
                      f"Moved {'up' if step < 0 else 'down'}: {activity.title}")
        elif 0 <= ti + step < len(playlist.tiers):
            other = playlist.tiers[ti + step]
            self.save(ops.MoveItemTo(self.path, where, ("tiers", other.id, "activities"),
                                     None if step < 0 else 0),
                      f"Moved to tier {other.title}: {activity.title}")
        else:
            self.notify(f"It is already the {'first' if step < 0 else 'last'} activity.")

    def action_link(self) -> None:
        from playlist_tui.ui.screens.pickers import CompetencyPicker

        playlist = self.playlist
        kind, ident = self.selected()
        if playlist is None:
            return
        if kind == "act":
            found = self.tier_of(ident)
            if found is None:
                return
            _, tier, _, activity = found
            where: Where = ("tiers", tier.id, "activities", activity.id, "competencies")
            current, title = activity.competencies, f"Competencies of {activity.title}"
        elif kind in ("check", "playlist"):
            where = ("check", "competencies")
            current, title = playlist.check.competencies, "Mastery check on"
        else:
            self.notify("Choose an activity (or the mastery check) to link competencies "
                        "to. A tier can unlock on mastery: press enter on it.")
            return

        def done(chosen: tuple[str, ...] | None) -> None:
            if chosen is None or tuple(chosen) == tuple(current):
                return
            self.post_edit(((where, tuple(chosen) or None),), "competencies",
                           f"Competencies: {', '.join(chosen) or 'none'}")

        self.app.push_screen(CompetencyPicker(self.data, current, title=title), done)
