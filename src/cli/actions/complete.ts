/**
 * Shell completion: `lab completion SHELL` prints a script that asks `lab __complete -- WORDS…` for the
 * candidates of the last word. Commands and options come from the command tree itself; node, snapshot and
 * exercise names from the lab file (parsed as plain YAML, no validation: it must answer within a keystroke)
 * and the lab's state file.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parse } from 'yaml'
import type { Command } from 'commander'
import { InputError } from '../../util/errors.js'
import { packagePath } from '../../util/package-root.js'

export interface CommandTree {
  name: string
  options: string[]
  /** Option flags that take a value (the next word is that value, not a positional). */
  valued: string[]
  commands: CommandTree[]
}

export function commandTree(cmd: Command): CommandTree {
  const options = cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)))
  const valued = cmd.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)))
  const visible = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden && c.name() !== 'help')
  return { name: cmd.name(), options: [...options, '--help'], valued, commands: visible.map(commandTree) }
}

interface LabWords {
  nodes: string[]
  exercises: string[]
  snapshots: string[]
}

/** The lab the words name (-f FILE, a positional *.yaml, or a shipped lab's name), else ./lab.yaml. */
function labWords(words: string[], cwd: string): LabWords {
  const none = { nodes: [], exercises: [], snapshots: [] }
  const f = words.findIndex((w) => w === '-f' || w === '--file')
  let file = f >= 0 ? words[f + 1] : words.find((w) => /\.ya?ml$/.test(w))
  if (file === undefined) file = 'lab.yaml'
  let path = resolve(cwd, file)
  if (!existsSync(path) && /^[a-z0-9-]+(\/[a-z0-9-]+)?$/.test(file)) path = packagePath('labs', `${file}.yaml`)
  if (!existsSync(path)) return none
  try {
    const doc = (parse(readFileSync(path, 'utf8')) ?? {}) as { name?: unknown; nodes?: unknown; exercises?: unknown }
    const names = (list: unknown) =>
      Array.isArray(list) ? list.flatMap((x) => (x && typeof x === 'object' && typeof (x as { name?: unknown; id?: unknown }).name === 'string' ? [(x as { name: string }).name] : [])) : []
    const ids = Array.isArray(doc.exercises) ? doc.exercises.flatMap((x) => (x && typeof x === 'object' && typeof (x as { id?: unknown }).id === 'string' ? [(x as { id: string }).id] : [])) : []
    let snapshots: string[] = []
    if (typeof doc.name === 'string') {
      // State lives next to the lab file; a shipped lab's in the working folder.
      for (const dir of [join(resolve(path, '..'), '.lab', doc.name), join(cwd, '.lab', doc.name)]) {
        const state = join(dir, 'state.json')
        if (!existsSync(state)) continue
        const s = JSON.parse(readFileSync(state, 'utf8')) as { snapshots?: unknown; stages?: unknown }
        snapshots = ['ready', ...(Array.isArray(s.snapshots) ? s.snapshots.filter((x): x is string => typeof x === 'string') : [])]
        break
      }
    }
    return { nodes: names(doc.nodes), exercises: ids, snapshots: [...new Set(snapshots)] }
  } catch {
    return none
  }
}

/** The candidates for the last of `words` (the one being typed, maybe empty), already filtered by its prefix. */
export function candidates(tree: CommandTree, words: string[], cwd = process.cwd()): string[] {
  const current = words.at(-1) ?? ''
  const before = words.slice(0, -1)
  let node = tree
  const positionals: string[] = []
  let prevOption: string | undefined
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!
    if (w === '--') return []
    if (w.startsWith('-')) {
      prevOption = node.valued.includes(w) ? w : undefined
      // --only takes several nodes: it stays the option being filled until another option comes.
      if (w === '--only' || w === '--modules') prevOption = w
      continue
    }
    if (prevOption && prevOption !== '--only' && prevOption !== '--modules') {
      prevOption = undefined
      continue
    }
    const sub = positionals.length === 0 ? node.commands.find((c) => c.name === w) : undefined
    if (sub && !prevOption) node = sub
    else if (!prevOption) positionals.push(w)
  }
  const path = wordsPath(tree, before)
  const lab = () => labWords(before, cwd)
  let out: string[]
  if (current.startsWith('-')) out = node.options
  else if (prevOption === '--only') out = lab().nodes
  else if (prevOption === '--modules') out = moduleNames(before, cwd)
  else if (prevOption === '--provider') out = ['virtualbox', 'vmware', 'qemu']
  else if (prevOption) out = []
  else if (node.commands.length && positionals.length === 0) out = node.commands.map((c) => c.name)
  else out = positionalsFor(path, positionals.length, lab)
  return [...new Set(out)].filter((c) => c.startsWith(current))
}

/** The command words (`snapshot delete`) that lead to the command being completed. */
function wordsPath(tree: CommandTree, words: string[]): string {
  const path: string[] = []
  let node = tree
  for (const w of words) {
    const sub = node.commands.find((c) => c.name === w)
    if (!sub) continue
    path.push(w)
    node = sub
  }
  return path.join(' ')
}

function positionalsFor(path: string, index: number, lab: () => LabWords): string[] {
  switch (path) {
    case 'ssh':
      return index === 0 ? lab().nodes : []
    case 'exec':
      return index === 0 ? ['all', ...lab().nodes] : []
    case 'reset':
    case 'snapshot delete':
      return index === 0 ? lab().snapshots : []
    case 'task':
    case 'start':
    case 'solve':
    case 'check':
      return lab().exercises
    case 'completion':
      return index === 0 ? ['bash', 'zsh', 'fish', 'powershell'] : []
    case 'up':
    case 'status':
    case 'halt':
    case 'resume':
    case 'destroy':
    case 'plan':
    case 'validate':
    case 'provision':
    case 'creds':
    case 'kickstart':
    case 'ssh-config':
      // Files come from the shell's own completion; the shipped labs' names are offered here.
      return index === 0 ? shippedNames() : []
    default:
      return []
  }
}

function shippedNames(): string[] {
  return ['swarm', 'registry', 'harbor', 'compose', 'debian-swarm'].filter((n) => existsSync(packagePath('labs', `${n}.yaml`)))
}

function moduleNames(words: string[], cwd: string): string[] {
  const f = words.findIndex((w) => w === '-f' || w === '--file')
  const file = resolve(cwd, (f >= 0 ? words[f + 1] : words.find((w) => /\.ya?ml$/.test(w))) ?? 'lab.yaml')
  if (!existsSync(file)) return []
  try {
    const doc = parse(readFileSync(file, 'utf8')) as { modules?: unknown }
    return Array.isArray(doc?.modules) ? doc.modules.map((m) => (typeof m === 'string' ? m : (Object.keys(m as object)[0] ?? ''))).filter(Boolean) : []
  } catch {
    return []
  }
}

const SCRIPTS: Record<string, string> = {
  bash: `# lab completion for bash: add to ~/.bashrc:  eval "$(lab completion bash)"
_lab_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(lab __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _lab_complete lab
`,
  zsh: `# lab completion for zsh: add to ~/.zshrc:  eval "$(lab completion zsh)"
_lab_complete() {
  local -a c
  c=("\${(@f)$(lab __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  if (( \${#c[@]} )) && [[ -n "\${c[1]}" ]]; then compadd -a c; else _files; fi
}
compdef _lab_complete lab
`,
  fish: `# lab completion for fish: lab completion fish > ~/.config/fish/completions/lab.fish
function __lab_complete
  set -l words (commandline -opc)
  lab __complete -- $words[2..-1] (commandline -ct) 2>/dev/null
end
complete -c lab -a '(__lab_complete)'
`,
  powershell: `# lab completion for PowerShell: add to $PROFILE:  lab completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName lab -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
  if ($wordToComplete -eq '') { $words += '' }
  lab __complete -- @words 2>$null | ForEach-Object { [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_) }
}
`,
}

export function completionScript(shell: string): string {
  const script = SCRIPTS[shell]
  if (!script) throw new InputError(`no completion for '${shell}'`, 'use one of: bash, zsh, fish, powershell')
  return script
}
