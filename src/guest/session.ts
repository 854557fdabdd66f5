import type { Client, SFTPWrapper } from 'ssh2'
import { LabError } from '../util/errors.js'
import { retryUntil, RetryTimeoutError } from '../util/retry.js'
import { redact } from '../util/run.js'
import { connectWithRetry, endpoint, type GuestTarget, type WaitOptions } from './connect.js'
import { GuestCommandError, GuestConnectionError, GuestTimeoutError } from './errors.js'
import { commandText, killGroupScript, wrapCommand } from './remote-command.js'
import { RemoteProcess, type RemoteOutcome, type StreamName } from './remote-process.js'
import { Slots } from './slots.js'
import { Watchdog } from './watchdog.js'
import { download, upload, type UploadOptions } from './transfer.js'

export type ConnectOptions = GuestTarget & WaitOptions

export interface ExecOptions {
  /** Kill the command after this long (default 30 min: package installs on emulated guests are slow). */
  timeoutMs?: number
  /** Data for the command's standard input (it sees end-of-file after it, or at once without it). */
  input?: string | Buffer
  /** Run as root through `sudo -n` when logged in as another user. */
  sudo?: boolean
  env?: Record<string, string>
  /** Each line of output as it arrives (in addition to the session log). */
  stream?: (line: string, which: StreamName) => void
  /** Strings replaced with *** in logs and error messages. */
  secrets?: string[]
  /** Per-stream cap on buffered output (default 64 MiB). */
  maxOutputBytes?: number
}

export interface ExecResult {
  /** Exit status, or null when the command died of a signal. */
  code: number | null
  signal: string | undefined
  stdout: string
  stderr: string
  durationMs: number
}

const DEFAULT_TIMEOUT_MS = 30 * 60_000
const DEFAULT_MAX_OUTPUT = 64 * 1024 * 1024
/** Channels for commands; with the SFTP and the kill channel this stays within sshd's default MaxSessions of 10. */
const COMMAND_SLOTS = 8
const KILL_TIMEOUT_MS = 15_000
const CHANNEL_RETRY_MS = 10_000

const SUDO_REFUSALS = /^sudo: (a password is required|a terminal is required|sorry, you must have a tty)/m

/**
 * One SSH connection to one node, reused for everything (set-up costs ~2 s on an emulated
 * guest, a command on an open connection ~0.15 s). The host key is pinned; see `connect`.
 */
export class GuestSession {
  readonly name: string
  private client: Client | undefined
  private lostBecause = 'not connected yet'
  private sftpChannel: Promise<SFTPWrapper> | undefined
  private opening: Promise<void> | undefined
  /** Bumped by close(), so that a connect still under way knows it is no longer wanted. */
  private generation = 0
  private readonly slots = new Slots(COMMAND_SLOTS)

  private constructor(private readonly target: ConnectOptions) {
    this.name = target.name
  }

  /** Waits for the node's sshd (with back-off, until the deadline) and logs in. */
  static async connect(opts: ConnectOptions): Promise<GuestSession> {
    const session = new GuestSession(opts)
    await session.open()
    return session
  }

  get user(): string {
    return this.target.user
  }

  get connected(): boolean {
    return this.client !== undefined
  }

  /**
   * Connects again after a reboot or a lost connection, waiting as `connect` does, with the same
   * pinned key. Callers that ask while a reconnect is under way share it.
   */
  reconnect(): Promise<void> {
    if (this.opening) return this.opening
    this.close()
    return this.open()
  }

  close(): void {
    this.generation++
    const client = this.client
    this.forget('closed by lab')
    client?.end()
  }

  /** Runs a command; a non-zero exit is returned, not thrown. An argv array is quoted for the remote shell. */
  async exec(command: string | readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const text = commandText(command)
    const sudo = opts.sudo === true && this.target.user !== 'root'
    const shown = redact(`${sudo ? 'sudo ' : ''}${text}`, opts.secrets)
    const wrapped = wrapCommand(text, { sudo, ...(opts.env === undefined ? {} : { env: opts.env }) })
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const limit = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT
    const log = this.target.log
    const onLine =
      log === undefined && opts.stream === undefined
        ? undefined
        : (line: string, which: StreamName): void => {
            const clean = redact(line, opts.secrets)
            log?.(`${this.name} ${which}: ${clean}`)
            opts.stream?.(clean, which)
          }

    log?.(`${this.name}$ ${shown}`)
    const started = Date.now()
    const release = await this.slots.acquire()
    const watchdog = new Watchdog((proc) => this.terminate(proc, sudo))
    let outcome: RemoteOutcome | undefined
    try {
      const client = this.requireClient(shown)
      const proc = await this.openChannel(client, () =>
        RemoteProcess.start(client, wrapped, {
          maxOutputBytes: limit,
          ...(opts.input === undefined ? {} : { input: opts.input }),
          ...(onLine === undefined ? {} : { onLine }),
          onOverflow: (which) => watchdog.halt({ why: 'overflow', which }),
        }),
      ).catch((error: unknown) => {
        throw this.connectionError(`cannot start \`${shown}\``, error)
      })
      outcome = await watchdog.follow(proc, timeoutMs)
    } finally {
      release()
    }
    const stop = watchdog.stop
    const durationMs = Date.now() - started
    if (stop?.why === 'timeout') {
      log?.(`${this.name}: timed out after ${timeoutMs} ms: ${shown}`)
      throw new GuestTimeoutError(
        this.name,
        `${this.name}: \`${shown}\` did not finish within ${formatMs(timeoutMs)} and was killed`,
        timeoutMs,
        'the command may be waiting for input or for the network; run it by hand on the node to see, or allow it more time',
      )
    }
    if (stop?.why === 'overflow') {
      throw new LabError(`${this.name}: \`${shown}\` printed more than ${formatBytes(limit)} on ${stop.which} and was stopped`, {
        hint: 'redirect its output to a file on the node and download the file',
      })
    }
    if (outcome === undefined || outcome.noExitStatus) {
      throw this.connectionError(`lost the connection while running \`${shown}\``, undefined)
    }
    const result: ExecResult = {
      code: outcome.code,
      signal: outcome.signal,
      stdout: outcome.stdout.text(),
      stderr: outcome.stderr.text(),
      durationMs,
    }
    log?.(`${this.name}: ${result.code === null ? `killed by ${result.signal}` : `exit ${result.code}`} in ${durationMs} ms`)
    if (sudo && result.code === 1 && SUDO_REFUSALS.test(result.stderr)) throw this.sudoRefused(result.stderr)
    return result
  }

  /** Like `exec`, but a non-zero exit throws a GuestCommandError with the command's last words. */
  async run(command: string | readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const result = await this.exec(command, opts)
    if (result.code === 0) return result
    const shown = redact(commandText(command), opts.secrets)
    const said = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-5).join('\n')
    const how = result.code === null ? `was killed by ${result.signal}` : `exited with ${result.code}`
    throw new GuestCommandError({
      node: this.name,
      message: `${this.name}: \`${shown}\` ${how}${said ? `:\n${redact(said, opts.secrets)}` : ''}`,
      command: typeof command === 'string' ? ['sh', '-c', command] : [...command],
      code: result.code ?? undefined,
      stdout: redact(result.stdout, opts.secrets),
      stderr: redact(result.stderr, opts.secrets),
    })
  }

  /**
   * Writes a file atomically (a temporary name in the same directory, then a rename) with its
   * mode and owner. Logged in as another user than root it goes through /tmp and `sudo install`
   * unless `sudo: false`.
   */
  upload(remotePath: string, data: string | Buffer, opts: UploadOptions): Promise<void> {
    return upload(this, remotePath, data, opts)
  }

  /** Reads a whole remote file (binary safe) over SFTP. */
  download(remotePath: string): Promise<Buffer> {
    return download(this, remotePath)
  }

  /** The session's SFTP channel, opened on first use and reused. */
  sftp(): Promise<SFTPWrapper> {
    if (this.sftpChannel) return this.sftpChannel
    const client = this.requireClient('SFTP')
    const channel = this.openChannel(client, () => new Promise<SFTPWrapper>((resolve, reject) => client.sftp((err, sftp) => (err ? reject(err) : resolve(sftp))))).then(
      (sftp) => {
        sftp.on('close', () => {
          if (this.sftpChannel === channel) this.sftpChannel = undefined
        })
        return sftp
      },
      (error: unknown) => {
        throw this.connectionError('cannot open SFTP', error)
      },
    )
    channel.catch(() => {
      if (this.sftpChannel === channel) this.sftpChannel = undefined
    })
    this.sftpChannel = channel
    return channel
  }

  /** Where this session logs; the transfer helpers write through it. */
  logLine(line: string): void {
    this.target.log?.(`${this.name}: ${line}`)
  }

  describe(): string {
    return `${this.target.user}@${endpoint(this.target)}`
  }

  private open(): Promise<void> {
    this.opening = this.attach().finally(() => {
      this.opening = undefined
    })
    return this.opening
  }

  private async attach(): Promise<void> {
    const generation = this.generation
    const client = await connectWithRetry(this.target, this.target)
    if (generation !== this.generation) {
      // close() was called while we waited: do not leave a connection behind.
      client.end()
      throw new GuestConnectionError(this.name, `${this.name}: closed while connecting to ${this.describe()}`)
    }
    let lastError: Error | undefined
    client.on('error', (err: Error) => {
      lastError = err
    })
    client.on('close', () => {
      if (this.client === client) this.forget(lastError?.message ?? 'the server closed the connection')
    })
    this.client = client
  }

  private forget(why: string): void {
    if (this.client === undefined) return
    this.client = undefined
    this.sftpChannel = undefined
    this.lostBecause = why
    this.target.log?.(`${this.name}: disconnected: ${why}`)
  }

  private requireClient(what: string): Client {
    if (this.client) return this.client
    throw new GuestConnectionError(this.name, `${this.name}: not connected to ${this.describe()} (${this.lostBecause}); cannot run \`${what}\``, {
      hint: 'the node may have rebooted or stopped; reconnect and run the step again',
    })
  }

  private connectionError(what: string, cause: unknown): LabError {
    if (cause instanceof LabError) return cause
    const detail = cause instanceof Error ? cause.message : this.lostBecause
    if (this.connected && cause !== undefined) {
      return new LabError(`${this.name}: ${what} on ${this.describe()}: ${detail}`, {
        hint: "sshd refused a new channel; check MaxSessions in the node's sshd_config",
        cause,
      })
    }
    return new GuestConnectionError(this.name, `${this.name}: ${what} on ${this.describe()}: ${detail}`, {
      hint: 'the node may have rebooted, stopped or lost its network; reconnect and run the step again (the command may or may not have finished)',
      cause,
    })
  }

  /**
   * Opens a channel, retrying briefly when sshd refuses it: sshd frees a finished command's
   * session slot some time after closing its channel, so a burst of commands can meet
   * MaxSessions even though fewer than that run at once.
   */
  private openChannel<T>(client: Client, open: () => Promise<T>): Promise<T> {
    return retryUntil(open, {
      deadlineMs: CHANNEL_RETRY_MS,
      initialMs: 20,
      maxMs: 500,
      retryable: (error) => this.client === client && error instanceof Error && error.message.startsWith('(SSH) Channel open failure'),
    }).catch((error: unknown) => {
      throw error instanceof RetryTimeoutError ? error.lastError : error
    })
  }

  /** Ends a command that must not go on: kill its process group from a second channel, then close its channel. */
  private async terminate(proc: RemoteProcess, sudo: boolean): Promise<void> {
    const client = this.client
    if (proc.pid !== undefined && client !== undefined) {
      try {
        const kill = wrapCommand(killGroupScript(proc.pid), { sudo })
        const killer = await this.openChannel(client, () => RemoteProcess.start(client, kill, { maxOutputBytes: 64 * 1024 }))
        const timer = setTimeout(() => killer.close(), KILL_TIMEOUT_MS)
        await killer.done
        clearTimeout(timer)
      } catch (error) {
        this.logLine(`could not kill process group ${proc.pid}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    proc.close()
    // sshd keeps the channel open as long as the command runs: if the kill failed, stop waiting after a while.
    let timer: NodeJS.Timeout | undefined
    await Promise.race([proc.done, new Promise((resolve) => (timer = setTimeout(resolve, KILL_TIMEOUT_MS)))])
    clearTimeout(timer)
  }

  private sudoRefused(stderr: string): LabError {
    const said = stderr.match(SUDO_REFUSALS)?.[0] ?? 'sudo refused'
    const user = this.target.user
    return new LabError(`${this.name}: ${user} may not use sudo without a password (${said.trim()})`, {
      hint: `lab runs sudo -n (no prompt): put "${user} ALL=(ALL) NOPASSWD: ALL" in /etc/sudoers.d/${user} on the node ` + `(and no "Defaults requiretty"), or log in as root`,
    })
  }
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / (1024 * 1024))} MiB` : `${n} bytes`
}
