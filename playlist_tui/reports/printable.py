"""A playlist as a handout or wall poster: HTML (with QR codes) or Markdown.

Tiers come with their completion and unlock rules in words; activities with a checkbox,
their kind, minutes, competencies and link (as text, and in HTML as a QR code). The HTML
is one self-contained page that prints in black and white on A4 or Letter: the printer
chooses the paper size, tiers are not split across pages when they fit on one.
"""

from __future__ import annotations

from playlist_tui.engine.progress import counted
from playlist_tui.model.files import Activity, Playlist, Tier
from playlist_tui.model.klass import ClassData
from playlist_tui.model.safetext import safe_line
from playlist_tui.reports.gradebook import md_cell
from playlist_tui.reports.html import e, is_web_link, page, qr_svg


def md_link(link: str) -> str:
    """A web link as a Markdown autolink ``<https://...>`` when it is one that cannot
    break out of it (no space, bracket or control character); anything else as text."""
    if is_web_link(link) and not any(ch.isspace() or ch in "<>" for ch in link) \
            and safe_line(link) == link:
        return f"<{link}>"
    return md_cell(link)


def completion_words(tier: Tier) -> str:
    count = len(tier.activities)
    if tier.complete == "optional":
        return "Optional: do any you like."
    if tier.complete == "all":
        if count == 1:
            return "Do this activity."
        return f"Do all {count} activities." if count else "Nothing to do yet."
    return f"Choose {tier.complete} of {count}."


def unlock_words(data: ClassData, playlist: Playlist, index: int) -> str:
    rule = playlist.unlock_rule(index)
    if rule == "open" or index == 0:
        return "Open from the start."
    if rule == "previous":
        return f"Opens when {playlist.tiers[index - 1].title} is complete."
    competency = data.competencies.get(rule.mastered)
    label = f" ({competency.label})" if competency else ""
    return f"Opens when you have mastered {rule.mastered}{label}."


def check_words(data: ClassData, playlist: Playlist) -> str:
    """The mastery check in one sentence, or "" when the playlist has none."""
    check = playlist.check
    if not check.competencies:
        return ""
    target = next((t for t in playlist.tiers if t.id == check.ready_after), None)
    if target is not None:
        when = f"When {target.title} is complete"
    else:
        when = "When every tier that is not optional is complete"
    names = []
    for cid in check.competencies:
        competency = data.competencies.get(cid)
        names.append(f"{cid} ({competency.label})" if competency else cid)
    text = f"{when}, ask for a mastery check on " + ", ".join(names) + "."
    if check.require_prerequisites:
        text += " Master the prerequisites first."
    return text


def activity_meta(activity: Activity) -> str:
    parts = [str(activity.kind)]
    if activity.minutes is not None:
        parts.append(f"{activity.minutes} min")
    if activity.competencies:
        parts.append(", ".join(activity.competencies))
    return " · ".join(parts)


def total_minutes(playlist: Playlist) -> int:
    return sum(a.minutes or 0 for t in playlist.tiers for a in t.activities)


def path_minutes(playlist: Playlist) -> tuple[int, int]:
    """(required, optional) minutes of the path. Required: every activity of a "do all"
    tier, and of a "choose N" tier the N shortest (the least a student must spend there);
    optional: everything else (the other choices, optional tiers). Activities without
    minutes count for nothing."""
    required = 0
    for tier in playlist.tiers:
        minutes = [a.minutes or 0 for a in tier.activities]
        if tier.complete == "all":
            required += sum(minutes)
        elif isinstance(tier.complete, int):
            required += sum(sorted(minutes)[: tier.complete])
    return required, total_minutes(playlist) - required


def minutes_words(playlist: Playlist) -> str:
    """``about 120 minutes required, 150 more optional`` ("" without any minutes)."""
    required, optional = path_minutes(playlist)
    words = []
    if required:
        words.append(f"about {counted(required, 'minute')} required")
    if optional:
        words.append(f"{optional} more optional" if required
                     else f"about {counted(optional, 'minute')}, all optional")
    return ", ".join(words)


# --------------------------------------------------------------------------- Markdown


def to_markdown(data: ClassData, playlist: Playlist) -> str:
    blocks = [f"# {md_cell(playlist.title)}"]
    if playlist.summary:
        blocks.append(md_cell(playlist.summary))
    blocks.append("Name: ______________________  Started: ____________")
    if minutes_words(playlist):
        blocks.append(f"Time: {minutes_words(playlist)}")
    check = check_words(data, playlist)
    if check:
        blocks.append(f"**Mastery check:** {md_cell(check)}")
    for index, tier in enumerate(playlist.tiers):
        blocks.append(f"## {md_cell(tier.title)}")
        blocks.append(f"*{completion_words(tier)} {unlock_words(data, playlist, index)}*")
        items = []
        for activity in tier.activities:
            item = f"- [ ] **{md_cell(activity.title)}** ({md_cell(activity_meta(activity))})"
            if activity.description:
                item += f"  \n  {md_cell(activity.description)}"
            if activity.link:
                item += f"  \n  {md_link(activity.link)}"
            items.append(item)
        if items:
            blocks.append("\n".join(items))
    return "\n\n".join(blocks) + "\n"


# --------------------------------------------------------------------------- HTML

PRINT_CSS = """\
body { max-width: 200mm; font-size: 10pt; }
header { display: flex; justify-content: space-between; gap: 6mm; align-items: flex-end;
         border-bottom: 2pt solid #000; padding-bottom: 2mm; }
header h1 { margin: 0; }
.name { white-space: nowrap; font-size: 10pt; }
.name span { display: inline-block; width: 45mm; border-bottom: 0.75pt solid #000; }
.summary { margin: 2mm 0 0; }
.check { margin: 2mm 0 0; padding: 1.5mm 2mm; border: 1.2pt dashed #000; }
.tier { break-inside: avoid; page-break-inside: avoid; margin-top: 4mm; }
.tier h2 { display: flex; justify-content: space-between; align-items: baseline;
           margin: 0 0 1.5mm; font-size: 12.5pt; }
.tier h2 .rule { font-size: 9.5pt; font-weight: normal; }
.acts { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5mm 3mm; list-style: none;
        margin: 0; padding: 0; }
.act { display: flex; gap: 2mm; align-items: flex-start; border: 0.75pt solid #000;
       padding: 1.5mm 2mm; break-inside: avoid; page-break-inside: avoid; }
.box { flex: none; width: 4.5mm; height: 4.5mm; border: 1.2pt solid #000; margin-top: 0.3mm; }
.body { flex: 1; min-width: 0; }
.title { font-weight: 650; }
.meta { font-size: 8.5pt; }
.desc { font-size: 8.5pt; margin-top: 0.5mm; }
.link { font-size: 7.5pt; margin-top: 0.5mm; overflow-wrap: anywhere; }
svg.qr { flex: none; width: 18mm; height: 18mm; }
footer { margin-top: 3mm; font-size: 8pt; }
@media (max-width: 140mm) { .acts { grid-template-columns: 1fr; } }
@page { size: auto; margin: 10mm; }
@media print {
  body { font-size: 9pt; line-height: 1.25; }
  h1 { font-size: 16pt; }
  .tier { margin-top: 2.5mm; }
  .tier h2 { margin-bottom: 1mm; }
  .act { padding: 1.2mm 1.5mm; }
  .meta, .desc { font-size: 7.5pt; }
  .link { font-size: 6.5pt; }
  svg.qr { width: 16mm; height: 16mm; }
}
"""


def _activity_html(activity: Activity) -> str:
    parts = ['<li class="act"><span class="box" aria-hidden="true"></span>'
             f'<div class="body"><div class="title">{e(activity.title)}</div>'
             f'<div class="meta">{e(activity_meta(activity))}</div>']
    if activity.description:
        parts.append(f'<div class="desc">{e(activity.description)}</div>')
    if activity.link:
        parts.append(f'<div class="link">{e(activity.link)}</div>')
    parts.append("</div>")
    if activity.link and is_web_link(activity.link):
        parts.append(qr_svg(activity.link))
    parts.append("</li>\n")
    return "".join(parts)


PAPERS = {"a3": ("A3 landscape", 420, 297), "letter": ("letter landscape", 279.4, 215.9),
          "tabloid": ("11in 17in", 431.8, 279.4)}
"""Poster papers: (CSS @page size, width and height in mm, landscape)."""

POSTER_MARGIN = 12  # mm


def poster_css(paper: str) -> str:
    """A wall poster: one landscape page (A3, Letter or Tabloid) filled by the tiers
    (they share the height left under the title), type large enough to read from a few
    steps away, activities in three columns."""
    size, width, height = PAPERS[paper]
    inner_w, inner_h = width - 2 * POSTER_MARGIN, height - 2 * POSTER_MARGIN
    return PRINT_CSS + f"""\
@page {{ size: {size}; margin: {POSTER_MARGIN}mm; }}
body {{ max-width: {inner_w:g}mm; font-size: 16pt; padding: 0; }}
main.poster {{ display: flex; flex-direction: column; min-height: {inner_h:g}mm; }}
main.poster h1 {{ font-size: 40pt; }}
main.poster .name {{ font-size: 16pt; }}
main.poster .name span {{ width: 80mm; }}
main.poster .time, main.poster .check {{ font-size: 16pt; margin: 2mm 0 0; }}
main.poster .tier {{ flex: 1 1 auto; display: flex; flex-direction: column; margin-top: 5mm; }}
main.poster .tier h2 {{ font-size: 24pt; border-bottom: 2pt solid #000; }}
main.poster .tier h2 .rule {{ font-size: 15pt; }}
main.poster .acts {{ flex: 1 1 auto; grid-template-columns: repeat(3, 1fr); gap: 3mm 4mm; }}
main.poster .act {{ padding: 3mm; }}
main.poster .box {{ width: 8mm; height: 8mm; border-width: 2pt; }}
main.poster .title {{ font-size: 17pt; }}
main.poster .meta, main.poster .desc {{ font-size: 13pt; }}
main.poster .link {{ font-size: 10pt; }}
main.poster svg.qr {{ width: 28mm; height: 28mm; }}
main.poster footer {{ font-size: 12pt; }}
@media print {{
  body {{ font-size: 16pt; max-width: none; }}
  main.poster h1 {{ font-size: 40pt; }}
  main.poster .meta, main.poster .desc {{ font-size: 13pt; }}
  main.poster .link {{ font-size: 10pt; }}
  main.poster svg.qr {{ width: 28mm; height: 28mm; }}
}}
"""


def to_html(data: ClassData, playlist: Playlist, layout: str = "handout",
            paper: str = "a3") -> str:
    """The playlist as a one-page handout (the printer's paper, small type) or, with
    ``layout="poster"``, a wall poster on one landscape ``paper`` (see PAPERS)."""
    poster = layout == "poster"
    if poster and paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}: one of {', '.join(PAPERS)}")
    h = ["<header><div>", f"<h1>{e(playlist.title)}</h1>"]
    if playlist.summary:
        h.append(f'<p class="summary">{e(playlist.summary)}</p>')
    h.append('</div><div class="name">Name: <span></span></div></header>\n')
    if poster and minutes_words(playlist):
        h.append(f'<p class="time"><strong>Time:</strong> {e(minutes_words(playlist))}</p>\n')
    check = check_words(data, playlist)
    if check:
        h.append(f'<p class="check"><strong>Mastery check:</strong> {e(check)}</p>\n')
    for index, tier in enumerate(playlist.tiers):
        h.append(f'<section class="tier">\n<h2><span>{e(tier.title)}</span>'
                 f'<span class="rule">{e(completion_words(tier))} '
                 f"{e(unlock_words(data, playlist, index))}</span></h2>\n")
        if tier.activities:
            h.append('<ul class="acts">\n')
            h.extend(_activity_html(a) for a in tier.activities)
            h.append("</ul>\n")
        h.append("</section>\n")
    minutes = minutes_words(playlist)
    h.append(f'<footer class="muted">{e(data.info.name)} · playlist {e(playlist.id)}'
             + (f" · {e(minutes)}" if minutes else "")
             + " · tick each box when you have done the activity</footer>\n")
    if not poster:
        return page(playlist.title, "".join(h), PRINT_CSS)
    body = f'<main class="poster">\n{"".join(h)}</main>\n'
    return page(playlist.title, body, poster_css(paper))
