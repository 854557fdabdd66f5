import { InputError } from '../util/errors.js'

/**
 * Quotes one word for a POSIX shell. SSH carries a single command string that the remote
 * login shell parses, so every argv word is quoted unless it is plainly inert (no `=`, which
 * would turn a leading word into an assignment, no `~`, globs or spaces).
 */
export function shellQuote(word: string): string {
  if (word.includes('\0')) throw new InputError(`a command argument contains a NUL byte: ${JSON.stringify(word)}`)
  if (/^[A-Za-z0-9_./-]+$/.test(word)) return word
  return `'${word.replace(/'/g, `'\\''`)}'`
}

/** A command as one shell string: a string is taken as shell text, an argv array is quoted word by word. */
export function commandText(command: string | readonly string[]): string {
  if (typeof command === 'string') return command
  if (command.length === 0) throw new InputError('empty command')
  return command.map(shellQuote).join(' ')
}

/** The first stderr line of every wrapped command: the remote shell's pid, which is also its process group. */
export const PID_MARKER = 'vmlab-pid:'

export interface WrapOptions {
  sudo: boolean
  env?: Record<string, string>
}

/**
 * What is sent to sshd for one command: report the pid (so that a timeout can kill the whole
 * process group from a second channel, since sshd before 7.9 ignores signal requests and never
 * kills a command whose channel closes), then run the command under `sh -c`, through
 * `sudo -n` when asked. The environment is exported inside the command because sshd only
 * accepts the variables listed in AcceptEnv and sudo resets the rest.
 */
export function wrapCommand(command: string, opts: WrapOptions): string {
  const exports = Object.entries(opts.env ?? {}).map(([key, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new InputError(`not an environment variable name: ${JSON.stringify(key)}`)
    return `export ${key}=${shellQuote(value)}; `
  })
  const inner = shellQuote(exports.join('') + command)
  const run = opts.sudo ? `sudo -n -- sh -c ${inner}` : `sh -c ${inner}`
  return `printf '${PID_MARKER}%s\\n' "$$" >&2; exec ${run}`
}

/**
 * Ends a process group: TERM, up to 2 s for it to go, then KILL. `kill -TERM -PGID` is the
 * form both dash and bash accept (dash has no `--`).
 */
export function killGroupScript(pgid: number): string {
  const g = `-${Math.trunc(pgid)}`
  return `kill -TERM ${g} 2>/dev/null; i=0; ` + `while kill -0 ${g} 2>/dev/null && [ $i -lt 20 ]; do sleep 0.1; i=$((i+1)); done; ` + `kill -KILL ${g} 2>/dev/null; true`
}
