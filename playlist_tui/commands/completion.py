"""``playlist-tui completion bash|zsh|fish``: print a shell completion script.

The script is made from the command line's own argparse parsers (the cli hands them over
in ``args.parsers``), so it always knows every command, sub-command, option and choice of
this version: no extra dependency, nothing to keep in step by hand. Completes commands,
sub-commands (``roster add``, ``import case``), options, the choices of options and
arguments (``--format json``, ``roster add student``), and file names elsewhere.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

HELP = ("Print a shell completion script for bash, zsh or fish. Load it from your shell's "
        "start-up file, e.g. in ~/.bashrc: eval \"$(playlist-tui completion bash)\" (see "
        "the user guide). Exit 0, or 2 on usage errors.")

Parsers = Callable[[], tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("shell", choices=("bash", "zsh", "fish"), help="your shell")


@dataclass
class Node:
    """What can follow at one place of the command line (a command or sub-command)."""

    help: str = ""
    subs: dict[str, Node] = field(default_factory=dict)
    options: dict[str, tuple[bool, tuple[str, ...], str]] = field(default_factory=dict)
    """option string -> (takes a value, its choices, help)"""
    positionals: list[tuple[str, ...]] = field(default_factory=list)
    """the choices of each positional argument (empty: any word, e.g. a file)"""


def _choices(action: argparse.Action) -> tuple[str, ...]:
    return tuple(str(c) for c in action.choices) if action.choices else ()


def node_of(parser: argparse.ArgumentParser, help_text: str = "") -> Node:
    node = Node(help=help_text)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, sub in action.choices.items():
                node.subs[name] = node_of(sub, helps.get(name, ""))
        elif action.option_strings:
            takes = action.nargs != 0
            for option in action.option_strings:
                node.options[option] = (takes, _choices(action), action.help or "")
        else:
            node.positionals.append(_choices(action))
    return node


def tree(main: argparse.ArgumentParser, commands: dict[str, argparse.ArgumentParser]) -> Node:
    root = node_of(main)
    for name, parser in commands.items():
        root.subs[name] = node_of(parser, (parser.description or "").split(". ")[0])
    return root


def _walk(node: Node, path: str = "") -> list[tuple[str, Node]]:
    out = [(path, node)]
    for name, sub in node.subs.items():
        out += _walk(sub, f"{path}/{name}" if path else name)
    return out


def _words(values: list[str] | tuple[str, ...]) -> str:
    return " ".join(values)


def bash(root: Node, prog: str = "playlist-tui") -> str:
    fn = "_" + prog.replace("-", "_")
    places = _walk(root)

    def case(body: Callable[[str, Node], str]) -> str:
        lines = [f'        "{path}") {body(path, node)} ;;' for path, node in places]
        return "\n".join(lines)

    valued = case(lambda p, n: 'case "$2" in ' + (
        "|".join(o for o, (takes, _, _) in n.options.items() if takes) or "''")
        + ") return 0 ;; esac; return 1")
    choices = case(lambda p, n: 'case "$2" in ' + " ".join(
        f'{o}) echo "{_words(c)}" ;;' for o, (takes, c, _) in n.options.items() if takes and c)
        + " esac")
    positionals = case(lambda p, n: 'case "$2" in ' + " ".join(
        f'{i}) echo "{_words(c)}" ;;' for i, c in enumerate(n.positionals) if c) + " esac")
    return f"""\
# bash completion for {prog} (made by '{prog} completion bash'). Load it with
#   eval "$({prog} completion bash)"
# in ~/.bashrc, or save the output in ~/.local/share/bash-completion/completions/{prog}.
{fn}_subs() {{
    case "$1" in
{case(lambda p, n: f'echo "{_words(list(n.subs))}"')}
    esac
}}
{fn}_opts() {{
    case "$1" in
{case(lambda p, n: f'echo "{_words(list(n.options))}"')}
    esac
}}
{fn}_valued() {{
    case "$1" in
{valued}
    esac
    return 1
}}
{fn}_choices() {{
    case "$1" in
{choices}
    esac
}}
{fn}_positional() {{
    case "$1" in
{positionals}
    esac
}}
{fn}() {{
    local cur="${{COMP_WORDS[COMP_CWORD]}}" prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    local path="" npos=0 skip=0 i w
    for ((i = 1; i < COMP_CWORD; i++)); do
        w="${{COMP_WORDS[i]}}"
        if ((skip)); then skip=0; continue; fi
        if [[ "$w" == -* ]]; then
            {fn}_valued "$path" "$w" && skip=1
            continue
        fi
        if [[ " $({fn}_subs "$path") " == *" $w "* ]]; then
            path="${{path:+$path/}}$w"; npos=0
        else
            npos=$((npos + 1))
        fi
    done
    COMPREPLY=()
    if [[ "$prev" == -* ]] && {fn}_valued "$path" "$prev"; then
        local c; c="$({fn}_choices "$path" "$prev")"
        [[ -n "$c" ]] && COMPREPLY=($(compgen -W "$c" -- "$cur"))
        return 0
    fi
    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "$({fn}_opts "$path")" -- "$cur"))
        return 0
    fi
    local words; words="$({fn}_subs "$path") $({fn}_positional "$path" "$npos")"
    [[ -n "${{words// /}}" ]] && COMPREPLY=($(compgen -W "$words" -- "$cur"))
    return 0
}}
complete -o bashdefault -o default -F {fn} {prog}
"""


def zsh(root: Node, prog: str = "playlist-tui") -> str:
    return (f"# zsh completion for {prog} (made by '{prog} completion zsh'). Load it with\n"
            f"#   eval \"$({prog} completion zsh)\"\n"
            "# in ~/.zshrc (after compinit). It is the bash completion, through zsh's\n"
            "# bashcompinit.\n"
            "autoload -U +X compinit && { (( $+functions[compdef] )) || compinit }\n"
            "autoload -U +X bashcompinit && bashcompinit\n"
            + bash(root, prog).split("\n", 3)[3])


def _fish_text(text: str) -> str:
    return "'" + " ".join(text.split()).replace("\\", "\\\\").replace("'", "\\'") + "'"


def fish(root: Node, prog: str = "playlist-tui") -> str:
    fn = "__" + prog.replace("-", "_")
    places = _walk(root)
    lines = [
        f"# fish completion for {prog} (made by '{prog} completion fish'). Load it with",
        f"#   {prog} completion fish | source",
        f"# in ~/.config/fish/config.fish, or save the output in "
        f"~/.config/fish/completions/{prog}.fish.",
        f"function {fn}_subs",
        '    switch "$argv[1]"',
    ]
    for path, node in places:
        if node.subs:
            lines += [f"        case {_fish_text(path)}",
                      f"            printf '%s\\n' {' '.join(node.subs)}"]
    lines += ["    end", "end",
              f"function {fn}_valued",
              '    switch "$argv[1]"']
    for path, node in places:
        valued = [o for o, (takes, _, _) in node.options.items() if takes]
        if valued:
            lines += [f"        case {_fish_text(path)}",
                      f"            contains -- $argv[2] {' '.join(valued)}; and return 0"]
    lines += ["    end", "    return 1", "end",
              f"function {fn}_path",
              "    set -l path ''",
              "    set -l skip 0",
              "    for t in (commandline -opc)[2..-1]",
              "        if test $skip = 1",
              "            set skip 0",
              "            continue",
              "        end",
              "        if string match -q -- '-*' $t",
              f"            {fn}_valued \"$path\" $t; and set skip 1",
              "            continue",
              "        end",
              f"        if contains -- $t ({fn}_subs \"$path\")",
              "            if test -z \"$path\"",
              "                set path $t",
              "            else",
              "                set path \"$path/$t\"",
              "            end",
              "        end",
              "    end",
              "    echo $path",
              "end",
              f"function {fn}_at",
              f"    test ({fn}_path) = \"$argv[1]\"",
              "end"]
    for path, node in places:
        at = f"-n '{fn}_at {path}'" if path else f"-n '{fn}_at \"\"'"
        for name, sub in node.subs.items():
            lines.append(f"complete -c {prog} {at} -f -a {name} -d {_fish_text(sub.help)}")
        for option, (takes, choices, help_text) in node.options.items():
            flag = (f"-l {option[2:]}" if option.startswith("--") else f"-s {option[1:]}")
            value = (f" -x -a {_fish_text(' '.join(choices))}" if choices
                     else " -r" if takes else "")
            lines.append(f"complete -c {prog} {at} {flag}{value} -d {_fish_text(help_text)}")
        for choices in node.positionals:
            if choices:
                lines.append(f"complete -c {prog} {at} -a {_fish_text(' '.join(choices))}")
    return "\n".join(lines) + "\n"


SHELLS = {"bash": bash, "zsh": zsh, "fish": fish}


def script(shell: str, parsers: Parsers) -> str:
    main, commands = parsers()
    return SHELLS[shell](tree(main, commands))


def run(args: argparse.Namespace) -> int:
    parsers = getattr(args, "parsers", None)
    if parsers is None:
        print("playlist-tui completion: the command line did not hand over its parsers",
              file=sys.stderr)
        return 2
    sys.stdout.write(script(args.shell, parsers))
    return 0
