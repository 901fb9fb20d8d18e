"""``playlist-tui setup-git [FOLDER]``"""

from __future__ import annotations

import argparse
import sys

from playlist_tui.commands.common import add_folder_argument, class_folder

HELP = ("Prepare a class folder's git repository: register the playlist-tui merge driver "
        "for student and teacher files (.gitattributes and git config). Safe to run again. "
        "Exit 0, or 2 on usage errors.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_folder_argument(parser)


def run(args: argparse.Namespace) -> int:
    from playlist_tui.store.audit import current_roster, write_allowed_signers
    from playlist_tui.store.gitcmd import GitError
    from playlist_tui.store.gitrepo import GitRepo

    folder = class_folder(args.folder)
    if folder is None:
        return 2
    repo = GitRepo(folder)
    if not repo.is_repo():
        print(f"playlist-tui: {folder} is not a git repository: run 'git init' there "
              "first (or clone the class)", file=sys.stderr)
        return 2
    try:
        done = repo.setup()
        people = list(current_roster(repo).people)
        if any(p.fingerprint for p in people):
            path = write_allowed_signers(repo, people)
            done.append(f"wrote {path} from the roster's signing keys")
            if repo.git("config", "--get", "gpg.ssh.allowedSignersFile", check=False
                        ).stdout.strip() == "":
                repo.git("config", "gpg.ssh.allowedSignersFile", str(path))
                done.append("set git config gpg.ssh.allowedSignersFile (for 'git log "
                            "--show-signature')")
    except (GitError, OSError) as exc:
        print(f"playlist-tui: {exc}", file=sys.stderr)
        return 2
    for line in done or ["already set up: nothing to do"]:
        print(line)
    return 0
