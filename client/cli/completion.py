"""`lantan completion bash|zsh`: a shell completion script generated from the parser itself.

The script holds one table, command path -> the words that may follow it (subcommands and
options), walked from the argparse tree of every installed command group, so it never lags
behind the commands. Anything else completes as a file name.
"""

import argparse
from collections.abc import Iterator

ROOT = "lantan"
SHELLS = ("bash", "zsh")


def completion_table(parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """Every command path ("lantan", "lantan net", "lantan net up", ...) -> its next words."""
    return dict(_walk(ROOT, parser))


def _walk(path: str, parser: argparse.ArgumentParser) -> Iterator[tuple[str, list[str]]]:
    words: list[str] = []
    children: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                words.append(name)
                children.append((name, child))
        elif action.help == argparse.SUPPRESS:
            continue
        elif action.option_strings:
            words.extend(action.option_strings)
        elif action.choices is not None:  # a positional with fixed values (a shell, a type)
            words.extend(str(choice) for choice in action.choices)
    yield path, words
    for name, child in children:
        yield from _walk(f"{path} {name}", child)


def completion_script(shell: str, parser: argparse.ArgumentParser) -> str:
    table = completion_table(parser)
    entries = "\n".join(f'  ["{path}"]="{" ".join(words)}"' for path, words in table.items())
    if shell == "bash":
        return _BASH.replace("@ENTRIES@", entries)
    if shell == "zsh":
        pairs = "\n".join(f'  "{path}" "{" ".join(words)}"' for path, words in table.items())
        return _ZSH.replace("@ENTRIES@", pairs)
    raise ValueError(f"no completion for shell {shell!r}; choose one of {', '.join(SHELLS)}")


_BASH = """# lantan completion for bash: eval "$(lantan completion bash)" (e.g. in ~/.bashrc)
declare -gA _lantan_next=(
@ENTRIES@
)
_lantan() {
  local cur="${COMP_WORDS[COMP_CWORD]}" path="lantan" word i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="${COMP_WORDS[i]}"
    [[ $word == -* ]] && continue
    [[ -n "${_lantan_next["$path $word"]+set}" ]] && path="$path $word"
  done
  COMPREPLY=($(compgen -W "${_lantan_next[$path]}" -- "$cur"))
  if [[ ${#COMPREPLY[@]} -eq 0 ]]; then
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _lantan lantan
"""

_ZSH = """#compdef lantan
# lantan completion for zsh: eval "$(lantan completion zsh)" (e.g. in ~/.zshrc, after compinit)
typeset -gA _lantan_next
_lantan_next=(
@ENTRIES@
)
_lantan() {
  local cmdpath="lantan" word
  local -a choices
  for word in ${words[2,CURRENT-1]}; do
    [[ $word == -* ]] && continue
    (( ${+_lantan_next[$cmdpath $word]} )) && cmdpath="$cmdpath $word"
  done
  choices=(${=_lantan_next[$cmdpath]})
  compadd -a choices
  _files
}
compdef _lantan lantan
"""
