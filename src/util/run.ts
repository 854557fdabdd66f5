import { quoteArgv } from './shell-quote.js'
import { CommandError } from './errors.js'

export interface RunOptions {
  /** Working directory. */
  cwd?: string
  /** Extra environment; LANG/LC_ALL are always C so that tools print untranslated text. */
  env?: Record<string, string | undefined>
  /** Data written to the process's standard input. */
  input?: string | Uint8Array
  /** Kill the process after this many milliseconds. */
  timeoutMs?: number
  /** Do not throw on a non-zero exit: the caller reads `exitCode`. */
  reject?: boolean
  /** Secrets to replace with *** in logs and error messages. */
  secrets?: string[]
}

export interface RunResult {
  command: string[]
  exitCode: number
  stdout: string
  stderr: string
  durationMs: number
}

export type RunLogger = (event: { command: string[]; result?: RunResult; error?: unknown }) => void

let logger: RunLogger | undefined

/** One place that sees every process we start (the lab's command log hooks in here). */
export function setRunLogger(fn: RunLogger | undefined): void {
  logger = fn
}

/** Told when run() starts a process; the function it returns is called when the process has ended. */
export type RunTracker = (started: { pid: number; command: string }) => () => void

let tracker: RunTracker | undefined

/** One place that knows which processes are running now (the lab's lock records them, see state/lock.ts). */
export function setRunTracker(fn: RunTracker | undefined): void {
  tracker = fn
}

/** Records a process started outside run() (a VM left running in the background) in the same log. */
export function noteStarted(command: string[], pid: number | undefined): void {
  logger?.({ command, result: { command, exitCode: 0, stdout: `started, pid ${pid ?? '?'}`, stderr: '', durationMs: 0 } })
}

export function redact(text: string, secrets: string[] = []): string {
  let out = text
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***')
  return out
}

/**
 * Runs a program with an argv array (never through a shell), with LANG=C, and returns its
 * output. A non-zero exit becomes a CommandError naming the command, unless `reject: false`.
 */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  // execa is loaded on first use so that `lab --help` does not pay for it.
  const { execa } = await import('execa')
  const command = [file, ...args]
  const started = Date.now()
  const subprocess = execa(file, args, {
    cwd: opts.cwd,
    env: { ...opts.env, LANG: 'C', LC_ALL: 'C' },
    input: opts.input,
    timeout: opts.timeoutMs,
    reject: false,
    stripFinalNewline: false,
    encoding: 'utf8',
    // A hypervisor command is left to finish when lab stops (Ctrl-C, SIGTERM, an error elsewhere), as Vagrant
    // does: killing `VBoxManage clonevm` half way leaves a half-made VM. Its own process group keeps the
    // terminal's Ctrl-C from reaching it; the lab's lock records it, and the next command waits for it.
    cleanup: false,
    detached: process.platform !== 'win32',
  })
  const ended = subprocess.pid !== undefined ? tracker?.({ pid: subprocess.pid, command: redact(quoteArgv(command), opts.secrets) }) : undefined
  let child: Awaited<typeof subprocess>
  try {
    child = await subprocess
  } finally {
    ended?.()
  }
  const result: RunResult = {
    command,
    exitCode: typeof child.exitCode === 'number' ? child.exitCode : -1,
    stdout: String(child.stdout ?? ''),
    stderr: String(child.stderr ?? ''),
    durationMs: Date.now() - started,
  }
  const failedToStart = child.failed && child.exitCode === undefined
  if (failedToStart || child.timedOut) {
    const why = child.timedOut
      ? `timed out after ${opts.timeoutMs} ms`
      : (child as { code?: string }).code === 'ENOENT'
        ? 'program not found'
        : String(child.shortMessage ?? child.message)
    const error = new CommandError({
      message: `${redact(quoteArgv(command), opts.secrets)}: ${why}`,
      command,
      code: undefined,
      stdout: redact(result.stdout, opts.secrets),
      stderr: redact(result.stderr, opts.secrets),
    })
    logger?.({ command, error })
    throw error
  }
  logger?.({ command, result })
  if (result.exitCode !== 0 && opts.reject !== false) {
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join('\n')
    throw new CommandError({
      message: `${redact(quoteArgv(command), opts.secrets)} exited with ${result.exitCode}${said ? `:\n${redact(said, opts.secrets)}` : ''}`,
      command,
      code: result.exitCode,
      stdout: redact(result.stdout, opts.secrets),
      stderr: redact(result.stderr, opts.secrets),
    })
  }
  return result
}
