// `edgekms completion bash|zsh`: completion scripts generated from the command table, so a command added
// to the table completes without further work. Words after the command complete as option names when
// they start with "-", else as file names.
import { arg, UsageError, type Command } from './command.ts';
import { COMMON_OPTIONS } from './command.ts';

interface Shape {
  top: string[];
  groups: Map<string, string[]>;
  options: Map<string, string[]>;
}

function shape(commands: readonly Command[]): Shape {
  const top = new Set<string>();
  const groups = new Map<string, string[]>();
  const options = new Map<string, string[]>();
  for (const c of commands) {
    const [first, second] = c.name.split(' ');
    top.add(first);
    if (second) groups.set(first, [...(groups.get(first) ?? []), second]);
    const names = Object.entries({ ...c.options, ...COMMON_OPTIONS }).flatMap(([n, o]) => [`--${n}`, ...(o.short ? [`-${o.short}`] : [])]);
    options.set(c.name, names);
  }
  return { top: [...top, 'help'], groups, options };
}

const q = (words: string[]) => words.join(' ');

export function bashCompletion(commands: readonly Command[]): string {
  const s = shape(commands);
  return `# edgekms completion for bash: source <(edgekms completion bash)
_edgekms() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" key="\${COMP_WORDS[1]}"
  COMPREPLY=()
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${q(s.top)}" -- "$cur")); return 0
  fi
  case "$key" in
${[...s.groups].map(([g, subs]) => `    ${g}) if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -W "${q(subs)}" -- "$cur")); return 0; fi; key="$key \${COMP_WORDS[2]}" ;;`).join('\n')}
  esac
  if [[ "$cur" == -* ]]; then
    local opts=""
    case "$key" in
${[...s.options].map(([name, opts]) => `      "${name}") opts="${q(opts)}" ;;`).join('\n')}
    esac
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o filenames -F _edgekms edgekms
`;
}

export function zshCompletion(commands: readonly Command[]): string {
  const s = shape(commands);
  return `#compdef edgekms
# edgekms completion for zsh: source <(edgekms completion zsh), or save as _edgekms in your $fpath
_edgekms() {
  local key=\${words[2]}
  if (( CURRENT == 2 )); then compadd -- ${q(s.top)}; return; fi
  case $key in
${[...s.groups].map(([g, subs]) => `    ${g}) if (( CURRENT == 3 )); then compadd -- ${q(subs)}; return; fi; key="$key \${words[3]}" ;;`).join('\n')}
  esac
  if [[ \${words[CURRENT]} == -* ]]; then
    case $key in
${[...s.options].map(([name, opts]) => `      "${name}") compadd -- ${q(opts)} ;;`).join('\n')}
    esac
  else
    _files
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _edgekms "$@"; else compdef _edgekms edgekms; fi
`;
}

export function completionCommand(commands: () => readonly Command[]): Command {
  return {
    name: 'completion',
    args: 'bash|zsh',
    summary: 'print a shell completion script',
    details: 'bash: add  source <(edgekms completion bash)  to ~/.bashrc\nzsh:  add  source <(edgekms completion zsh)  to ~/.zshrc (after compinit)',
    async run(inv) {
      const shell = arg(inv, 0, 'bash|zsh');
      if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`no completion for ${shell}: bash or zsh`);
      const script = (shell === 'bash' ? bashCompletion : zshCompletion)(commands());
      inv.print({ shell, script }, script.trimEnd());
    },
  };
}
