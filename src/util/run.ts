import { spawn } from 'node:child_process'
import { constants } from 'node:os'
import { quoteArgv } from './shell-quote.js'
import { CommandError, CommandTimeoutError } from './errors.js'
import { spokenDuration } from './duration.js'
import { scratchFile, type ScratchFile } from './scratch-file.js'

export interface RunOptions {
  /** Working directory. */
  cwd?: string
  /** Extra environment; LANG/LC_ALL are always C so that tools print untranslated text. */
  env?: Record<string, string | undefined>
  /** Data written to the process's standard input. */
  input?: string | Uint8Array
  /** Stop the process (its whole process group) after this many milliseconds and throw a CommandTimeoutError. */
  timeoutMs?: number
  /** What the user should do when the time limit is reached: the caller knows the tool, run() does not. */
  timeoutHint?: string
  /** Do not throw on a non-zero exit: the caller reads `exitCode`. */
  reject?: boolean
  /** Secrets to replace with *** in logs and error messages. */
  secrets?: string[]
}

export interface RunResult {
  command: string[]
  /** The exit code; 128 + the signal's number when a signal ended the process, as a shell reports it. */
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

/** Told when run() starts a process, with its time limit; the function it returns is called when the process has ended. */
export type RunTracker = (started: { pid: number; command: string; timeoutMs?: number }) => () => void

let tracker: RunTracker | undefined

/** One place that knows which processes are running now (the lab's lock records them, see state/lock.ts). */
export function setRunTracker(fn: RunTracker | undefined): void {
  tracker = fn
}

/** Records a process started outside run() (a VM left running in the background) in the same log. */
export function noteStarted(command: string[], pid: number | undefined): void {
  logger?.({ command, result: { command, exitCode: 0, stdout: `started, pid ${pid ?? '?'}`, stderr: '', durationMs: 0 } })
}

/** Records a call that is no process (a request to a hypervisor's HTTP API) in the same log, as `exit` its status. */
export function noteCall(command: string[], result: { exitCode: number; durationMs: number } | { error: unknown }): void {
  if ('error' in result) logger?.({ command, error: result.error })
  else logger?.({ command, result: { command, stdout: '', stderr: '', ...result } })
}

export function redact(text: string, secrets: string[] = []): string {
  let out = text
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***')
  return out
}

// A hypervisor command is left to finish when lab stops (Ctrl-C, SIGTERM, an error elsewhere), as Vagrant
// does: killing `VBoxManage clonevm` half way leaves a half-made VM. Its own process group keeps the
// terminal's Ctrl-C from reaching it; the lab's lock records it, and the next command waits for it.
const OWN_GROUP = process.platform !== 'win32'
/** After SIGTERM, how long a timed-out process has before SIGKILL, and then before we stop waiting for it. */
const KILL_GRACE_MS = 2000

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(OWN_GROUP ? -pid : pid, signal)
  } catch {
    // ended already
  }
}

type Ending = { code: number | null; signal: NodeJS.Signals | null } | { error: NodeJS.ErrnoException }

/**
 * Runs a program with an argv array (never through a shell), with LANG=C, and returns its output. A
 * non-zero exit becomes a CommandError naming the command, unless `reject: false`.
 *
 * The program writes to files, not pipes, and reads its input from one: a pipe into lab breaks when lab is
 * killed, and a `VBoxManage createvm` left to finish would die of SIGPIPE at its next line of progress.
 */
export async function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const command = [file, ...args]
  const shown = redact(quoteArgv(command), opts.secrets)
  const started = Date.now()
  const files: ScratchFile[] = []
  const scratch = () => {
    const f = scratchFile()
    files.push(f)
    return f
  }
  try {
    const stdin = opts.input === undefined ? undefined : scratch()
    if (stdin && opts.input !== undefined) stdin.write(opts.input)
    const stdout = scratch()
    const stderr = scratch()
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env, LANG: 'C', LC_ALL: 'C' },
      stdio: [stdin?.fd ?? 'ignore', stdout.fd, stderr.fd],
      detached: OWN_GROUP,
      windowsHide: true,
    })
    const ending = new Promise<Ending>((resolve) => {
      child.once('error', (error) => resolve({ error }))
      child.once('exit', (code, signal) => resolve({ code, signal }))
    })
    const ended = child.pid !== undefined ? tracker?.({ pid: child.pid, command: shown, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) }) : undefined
    let timedOut = false
    const timers: NodeJS.Timeout[] = []
    let end: Ending
    try {
      const limit = new Promise<'timeout'>((resolve) => {
        if (opts.timeoutMs && child.pid !== undefined) timers.push(setTimeout(() => resolve('timeout'), opts.timeoutMs))
      })
      const first = await Promise.race([ending, limit])
      if (first === 'timeout') {
        timedOut = true
        // Detached: the process leads its own group, and whatever it started goes with it.
        signalGroup(child.pid!, 'SIGTERM')
        const grace = (ms: number) => new Promise<'grace'>((r) => timers.push(setTimeout(() => r('grace'), ms)))
        let late = await Promise.race([ending, grace(KILL_GRACE_MS)])
        if (late === 'grace') {
          signalGroup(child.pid!, 'SIGKILL')
          late = await Promise.race([ending, grace(KILL_GRACE_MS)])
        }
        // A process that SIGKILL did not end (stuck in the kernel) is no longer ours to wait for.
        end = late === 'grace' ? { code: null, signal: 'SIGKILL' } : late
      } else end = first
    } finally {
      for (const timer of timers) clearTimeout(timer)
      ended?.()
    }
    const out = (f: ScratchFile) => redact(f.read(), opts.secrets)
    if ('error' in end || timedOut) {
      const why = timedOut
        ? `did not finish within ${spokenDuration(opts.timeoutMs!)}; stopped it`
        : end && 'error' in end && end.error.code === 'ENOENT'
          ? 'program not found'
          : `cannot start it: ${'error' in end ? end.error.message : ''}`
      const details = { message: `${shown}: ${why}`, command, code: undefined, stdout: out(stdout), stderr: out(stderr) }
      const error = timedOut ? new CommandTimeoutError({ ...details, waitedMs: opts.timeoutMs!, ...(opts.timeoutHint ? { hint: opts.timeoutHint } : {}) }) : new CommandError(details)
      logger?.({ command, error })
      throw error
    }
    const result: RunResult = {
      command,
      exitCode: end.code ?? 128 + (end.signal ? (constants.signals[end.signal] ?? 0) : 0),
      stdout: stdout.read(),
      stderr: stderr.read(),
      durationMs: Date.now() - started,
    }
    logger?.({ command, result })
    if (result.exitCode !== 0 && opts.reject !== false) {
      const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join('\n')
      const how = end.signal ? `was ended by ${end.signal}` : `exited with ${result.exitCode}`
      throw new CommandError({
        message: `${shown} ${how}${said ? `:\n${redact(said, opts.secrets)}` : ''}`,
        command,
        code: result.exitCode,
        stdout: redact(result.stdout, opts.secrets),
        stderr: redact(result.stderr, opts.secrets),
      })
    }
    return result
  } finally {
    for (const f of files) f.close()
  }
}
