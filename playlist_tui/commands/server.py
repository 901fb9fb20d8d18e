"""``playlist-tui server setup|add-student [FOLDER] --admin URL [--name NAME]`` and
``playlist-tui server hook``"""

from __future__ import annotations

import argparse
import sys

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Set up a gitolite server for privacy mode from the roster: a class repository "
        "(teachers write, students read) and one repository per student (the student "
        "writes only their student.toml, teachers only teacher.toml), with everyone's SSH "
        "key from class.toml (signing_key). Run it again after roster changes. Exit 0, 1 "
        "when the server refused, 2 on usage errors. See docs/privacy.md.")

EPILOG = """examples:
  playlist-tui server setup --admin ssh://git@git.school.example/gitolite-admin --name math6
  playlist-tui server add-student --student zoe-li --admin git@git.school.example:gitolite-admin
  playlist-tui server setup ~/classes/math6 --admin git@git.school.example:gitolite-admin
  playlist-tui server hook > ~/.gitolite/hooks/common/pre-receive   (on the server)
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("action", choices=["setup", "add-student", "hook"],
                        help="setup: write the server's configuration from the roster; "
                             "add-student: the same, after checking that --student is in the "
                             "roster (its repository is made, its key let in); hook: print "
                             "the pre-receive hook that audits every push on the server "
                             "(run it on the server, where playlist-tui is installed)")
    add_folder_argument(parser)
    parser.add_argument("--student", metavar="ID", help="with add-student: the student added "
                        "to class.toml (e.g. with 'playlist-tui roster add')")
    parser.add_argument("--admin", metavar="URL",
                        help="address of the server's gitolite-admin repository (you need "
                             "its admin key)")
    parser.add_argument("--migrating", action="store_true",
                        help="let teachers send students' files once, to move an existing "
                             "class into privacy mode with its history; run setup again "
                             "without it afterwards")
    parser.add_argument("--python", metavar="PATH",
                        help="with hook: the Python on the server that has playlist-tui "
                             "installed (default: the one running this command)")
    parser.add_argument("--name", metavar="NAME",
                        help="the class repository's name on the server (default: the class "
                             "folder's name); students' repositories are NAME-students/ID")


def run(args: argparse.Namespace) -> int:
    from playlist_tui.model.safetext import safe_line
    from playlist_tui.store.gitcmd import GitError
    from playlist_tui.store.server import setup

    if args.action == "hook":
        from playlist_tui.store.server import gitolite_hook

        print(gitolite_hook([args.python or sys.executable, "-m", "playlist_tui"]), end="")
        return 0
    if not args.admin:
        print(f"playlist-tui: server {args.action} needs --admin URL (the server's "
              "gitolite-admin repository)", file=sys.stderr)
        return 2
    folder = class_folder(args.folder)
    if folder is None:
        return 2
    name = args.name or folder.resolve().name
    if args.action == "add-student":
        from playlist_tui.store.server import plan as roster_plan

        if not args.student:
            print("playlist-tui: add-student needs --student ID", file=sys.stderr)
            return 2
        try:
            known = roster_plan(folder, name).students
        except GitError as exc:
            print(f"playlist-tui: {safe_line(exc.message)}", file=sys.stderr)
            return 2
        if args.student not in known:
            print(f"playlist-tui: {safe_line(args.student)} is not a student in class.toml: "
                  "add them to the roster first", file=sys.stderr)
            return 2
    try:
        plan, done = setup(folder, name, args.admin, migrating=args.migrating)
    except GitError as exc:
        print(f"playlist-tui: {safe_line(exc.message)}", file=sys.stderr)
        return 1
    for line in done or ["the server is set up already: nothing to do"]:
        print(safe_line(line))
    if plan.without_key:
        print("no SSH key in class.toml (signing_key), so the server will not let them in: "
              + ", ".join(plan.without_key))
    if args.migrating:
        print("Teachers may now send students' files (to move a class with its history): "
              "after 'playlist-tui privacy migrate' and 'playlist-tui sync', run this "
              "again without --migrating.")
    print(f"class repository: {name}; student repositories: {name}-students/ID. In "
          f"class.toml: [repositories] students = \"../{name}-students/{{id}}\"")
    return 0
