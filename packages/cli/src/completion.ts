// `runlens completion bash|zsh|fish`: scripts generated from the commander program itself, so a new
// command or option completes without anyone editing this file. Loads nothing but commander.
import type { Argument, Command, Option } from 'commander';
import { PROVIDER_MANIFEST } from './provider-manifest.js';

export type Shell = 'bash' | 'zsh' | 'fish';

/**
 * Provider prefixes offered where a run reference goes: from the generated manifest rather than the
 * registry, whose import would load the adapters.
 */
export const REF_PREFIXES = PROVIDER_MANIFEST.map((p) => `${p.id}:`);

/** What a value completes to. */
type Values = { kind: 'none' } | { kind: 'choices'; choices: readonly string[] } | { kind: 'dir' } | { kind: 'file' } | { kind: 'ref' } | { kind: 'command' };

interface Flag {
  readonly long: string;
  readonly short?: string;
  readonly description: string;
  /** Undefined for a switch. */
  readonly value?: { readonly name: string; readonly values: Values };
  readonly repeatable: boolean;
}

interface Positional {
  readonly name: string;
  readonly variadic: boolean;
  readonly optional: boolean;
  readonly values: Values;
}

interface Spec {
  readonly name: string;
  readonly description: string;
  readonly flags: readonly Flag[];
  readonly positionals: readonly Positional[];
}

/** `--out <dir>` completes directories, `--cursor-file <file>` files; other values are free text. */
function valuesOf(name: string, choices: readonly string[] | undefined): Values {
  if (choices) return { kind: 'choices', choices };
  if (name === 'dir') return { kind: 'dir' };
  if (name === 'file') return { kind: 'file' };
  if (name === 'ref' || name === 'refs') return { kind: 'ref' };
  if (name === 'command') return { kind: 'command' };
  return { kind: 'none' };
}

function flagOf(option: Option): Flag | undefined {
  if (option.hidden || !option.long) return undefined;
  const valueName = /[<[]([\w-]+)(?:\.\.\.)?[>\]]/.exec(option.flags)?.[1];
  return {
    long: option.long,
    ...(option.short ? { short: option.short } : {}),
    description: option.description,
    ...(valueName ? { value: { name: valueName, values: valuesOf(valueName, option.argChoices) } } : {}),
    repeatable: /repeatable/.test(option.description),
  };
}

const flagsOf = (command: Command): Flag[] => command.options.map(flagOf).filter((f): f is Flag => f !== undefined);

function positionalOf(argument: Argument): Positional {
  return { name: argument.name(), variadic: argument.variadic, optional: !argument.required, values: valuesOf(argument.name(), argument.argChoices) };
}

function specsOf(program: Command): { globals: Flag[]; commands: Spec[] } {
  const commands = program.commands
    .filter((c) => !(c as unknown as { _hidden?: boolean })._hidden)
    .map((c) => ({ name: c.name(), description: c.description(), flags: flagsOf(c), positionals: c.registeredArguments.map(positionalOf) }));
  // commander keeps the help flag apart from the other options.
  return { globals: [...flagsOf(program), { long: '--help', short: '-h', description: 'show help', repeatable: false }], commands };
}

export function completionScript(program: Command, shell: Shell): string {
  const specs = specsOf(program);
  if (shell === 'bash') return bash(specs);
  if (shell === 'zsh') return zsh(specs);
  return fish(specs);
}

/** What `help <command>` completes to. */
const commandNames = (commands: readonly Spec[]) => commands.map((c) => c.name).filter((n) => n !== 'help').join(' ');

// --- bash -----------------------------------------------------------------------------------------

const names = (flag: Flag) => [flag.long, ...(flag.short ? [flag.short] : [])];

function bashValues(values: Values, commands: readonly Spec[]): string {
  switch (values.kind) {
    case 'choices':
      return `COMPREPLY=($(compgen -W "${values.choices.join(' ')}" -- "$cur"))`;
    case 'command':
      return `COMPREPLY=($(compgen -W "${commandNames(commands)}" -- "$cur"))`;
    case 'dir':
      return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "$cur"))';
    case 'file':
      return 'compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "$cur"))';
    case 'ref':
      return `compopt -o nospace -o filenames 2>/dev/null; COMPREPLY=($(compgen -W "${REF_PREFIXES.join(' ')}" -- "$cur") $(compgen -d -- "$cur"))`;
    case 'none':
      return 'COMPREPLY=()';
  }
}

/** `case "$prev"` arms completing the value of each value-taking flag. */
function bashValueArms(flags: readonly Flag[], commands: readonly Spec[], indent: string): string[] {
  return flags.filter((f) => f.value).map((f) => `${indent}${names(f).join('|')}) ${bashValues(f.value!.values, commands)}; return ;;`);
}

function bash({ globals, commands }: { globals: Flag[]; commands: Spec[] }): string {
  const globalWords = globals.flatMap(names).join(' ');
  const globalsWithValue = globals.filter((f) => f.value).flatMap(names);
  const arms = commands.map((c) => {
    const positional = c.positionals[0];
    return [
      `    ${c.name})`,
      '      case "$prev" in',
      ...bashValueArms(c.flags, commands, '        '),
      '      esac',
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${[...c.flags.flatMap(names), globalWords].join(' ')}" -- "$cur"))`,
      positional ? `      else ${bashValues(positional.values, commands)}` : '      else COMPREPLY=()',
      '      fi ;;',
    ].join('\n');
  });
  return `# runlens completion for bash. For this shell: eval "$(runlens completion bash)"
# For every shell: runlens completion bash > ~/.local/share/bash-completion/completions/runlens
_runlens() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" command="" i
  # The command is the first word that is neither an option nor the value of a global option.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${globalsWithValue.join('|') || '--'}) ((i++)) ;;
      -*) ;;
      *) command="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
${bashValueArms(globals, commands, '    ').join('\n')}
  esac
  case "$command" in
    "") COMPREPLY=($(compgen -W "${[...commands.map((c) => c.name), globalWords].join(' ')}" -- "$cur")) ;;
${arms.join('\n')}
  esac
}
complete -F _runlens runlens
`;
}

// --- zsh ------------------------------------------------------------------------------------------

/** Inside a single-quoted zsh word, and inside the [description] of an _arguments spec. */
const zshQuote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const zshBracket = (text: string) => text.replace(/[[\]]/g, (c) => `\\${c}`);

function zshAction(values: Values, commands: readonly Spec[]): string {
  switch (values.kind) {
    case 'choices':
      return `(${values.choices.join(' ')})`;
    case 'command':
      return `(${commandNames(commands)})`;
    case 'dir':
      return '_directories';
    case 'file':
      return '_files';
    case 'ref':
      return '_runlens_refs';
    case 'none':
      return ' ';
  }
}

function zshFlag(flag: Flag, commands: readonly Spec[]): string {
  const description = `[${zshBracket(flag.description)}]`;
  const value = flag.value ? `:${flag.value.name}:${zshAction(flag.value.values, commands)}` : '';
  const repeat = flag.repeatable ? '*' : '';
  if (flag.short) {
    const exclusive = flag.repeatable ? '' : `(${flag.short} ${flag.long})`;
    return `${zshQuote(`${exclusive}${repeat}`)}{${flag.short},${flag.long}${flag.value ? '=' : ''}}${zshQuote(description + value)}`;
  }
  return zshQuote(`${repeat}${flag.long}${flag.value ? '=' : ''}${description}${value}`);
}

function zsh({ globals, commands }: { globals: Flag[]; commands: Spec[] }): string {
  const arms = commands.map((c) => {
    const positionals = c.positionals.map((p, i) => zshQuote(`${p.variadic ? '*' : `${i + 1}`}:${p.name}:${zshAction(p.values, commands)}`));
    return `        ${c.name}) _arguments -s "\${globals[@]}" ${[...c.flags.map((f) => zshFlag(f, commands)), ...positionals].join(' ')} ;;`;
  });
  return `#compdef runlens
# runlens completion for zsh. For this shell: source <(runlens completion zsh)
# For every shell: runlens completion zsh > "\${fpath[1]}/_runlens" (then restart zsh)
_runlens_refs() {
  compadd -S '' -- ${REF_PREFIXES.join(' ')}
  _directories
}

_runlens() {
  local curcontext="$curcontext" state line
  typeset -A opt_args
  local -a globals commands
  globals=(${globals.map((f) => zshFlag(f, commands)).join(' ')})
  commands=(${commands.map((c) => zshQuote(`${c.name}:${c.description.replace(/:/g, '\\:')}`)).join(' ')})
  _arguments -C -s "\${globals[@]}" '1: :->command' '*:: :->args' && return
  case $state in
    command) _describe -t commands 'runlens command' commands ;;
    args)
      case $line[1] in
${arms.join('\n')}
      esac ;;
  esac
}

if [ "$funcstack[1]" = "_runlens" ]; then
  _runlens "$@"
else
  compdef _runlens runlens
fi
`;
}

// --- fish -----------------------------------------------------------------------------------------

const fishQuote = (text: string) => `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;

function fishValue(values: Values, commands: readonly Spec[]): string {
  switch (values.kind) {
    case 'choices':
      return `-x -a ${fishQuote(values.choices.join(' '))}`;
    case 'command':
      return `-x -a ${fishQuote(commandNames(commands))}`;
    case 'dir':
      return `-x -a '(__fish_complete_directories)'`;
    case 'file':
      return '-r -F';
    case 'ref':
      return `-x -a ${fishQuote(`${REF_PREFIXES.join(' ')} (__fish_complete_directories)`)}`;
    case 'none':
      return '-x';
  }
}

function fishFlag(flag: Flag, condition: string, commands: readonly Spec[]): string {
  const parts = ['complete -c runlens'];
  if (condition) parts.push(`-n ${fishQuote(condition)}`);
  if (flag.short) parts.push(`-s ${flag.short.replace(/^-/, '')}`);
  parts.push(`-l ${flag.long.replace(/^--/, '')}`);
  if (flag.value) parts.push(fishValue(flag.value.values, commands));
  parts.push(`-d ${fishQuote(flag.description)}`);
  return parts.join(' ');
}

function fish({ globals, commands }: { globals: Flag[]; commands: Spec[] }): string {
  const lines = [
    '# runlens completion for fish. For this shell: runlens completion fish | source',
    '# For every shell: runlens completion fish > ~/.config/fish/completions/runlens.fish',
    'complete -c runlens -f',
    ...commands.map((c) => `complete -c runlens -n __fish_use_subcommand -a ${c.name} -d ${fishQuote(c.description)}`),
    ...globals.map((f) => fishFlag(f, '', commands)),
  ];
  for (const c of commands) {
    const when = `__fish_seen_subcommand_from ${c.name}`;
    lines.push(...c.flags.map((f) => fishFlag(f, when, commands)));
    const positional = c.positionals[0];
    if (positional && positional.values.kind !== 'none') lines.push(`complete -c runlens -n ${fishQuote(when)} ${fishValue(positional.values, commands)}`);
  }
  return `${lines.join('\n')}\n`;
}
