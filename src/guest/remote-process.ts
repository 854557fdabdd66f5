import type { Client, ClientChannel } from 'ssh2'
import { OutputCollector } from './output.js'
import { PID_MARKER } from './remote-command.js'

export type StreamName = 'stdout' | 'stderr'

export interface RemoteOutcome {
  /** Exit status; null when the command died of a signal or no status came (connection lost). */
  code: number | null
  signal: string | undefined
  /** The channel closed before sshd reported how the command ended. */
  noExitStatus: boolean
  stdout: OutputCollector
  stderr: OutputCollector
}

export interface StartOptions {
  input?: string | Buffer
  maxOutputBytes: number
  onLine?: (line: string, which: StreamName) => void
  /** Called once when either stream passes `maxOutputBytes`. */
  onOverflow?: (which: StreamName) => void
}

/** Longest stderr prefix searched for the pid line (a login shell's rc files may print first). */
const MARKER_SEARCH_BYTES = 4096

/** One command running on a channel opened with a `wrapCommand` string. */
export class RemoteProcess {
  /** The remote shell's pid (= process group), once its first stderr line arrived. */
  pid: number | undefined
  readonly done: Promise<RemoteOutcome>
  private head: Buffer | undefined = Buffer.alloc(0)

  private constructor(
    private readonly channel: ClientChannel,
    opts: StartOptions,
  ) {
    const stdout = new OutputCollector(opts.maxOutputBytes, opts.onLine && ((l) => opts.onLine?.(l, 'stdout')))
    const stderr = new OutputCollector(opts.maxOutputBytes, opts.onLine && ((l) => opts.onLine?.(l, 'stderr')))
    let overflowed = false
    const take = (collector: OutputCollector, which: StreamName, chunk: Buffer): void => {
      if (!collector.push(chunk) && !overflowed) {
        overflowed = true
        opts.onOverflow?.(which)
      }
    }
    channel.on('data', (chunk: Buffer) => take(stdout, 'stdout', chunk))
    channel.stderr.on('data', (chunk: Buffer) => {
      const rest = this.stripMarker(chunk)
      if (rest.length > 0) take(stderr, 'stderr', rest)
    })
    this.done = new Promise((resolve) => {
      let code: number | null = null
      let signal: string | undefined
      let exited = false
      channel.on('exit', (c: number | null, s?: string) => {
        exited = true
        code = c
        signal = s ?? undefined
      })
      channel.on('close', () => {
        if (this.head !== undefined && this.head.length > 0) take(stderr, 'stderr', this.head)
        this.head = undefined
        stdout.flush()
        stderr.flush()
        resolve({ code, signal, noExitStatus: !exited, stdout, stderr })
      })
    })
    channel.end(opts.input)
  }

  static start(client: Client, command: string, opts: StartOptions): Promise<RemoteProcess> {
    return new Promise((resolve, reject) => {
      client.exec(command, (err, channel) => (err ? reject(err) : resolve(new RemoteProcess(channel, opts))))
    })
  }

  /** Closes the channel (sshd does not end the command by itself: kill it first). */
  close(): void {
    this.channel.close()
  }

  /** Takes the pid line off the front of stderr; returns what follows it. */
  private stripMarker(chunk: Buffer): Buffer {
    if (this.head === undefined) return chunk
    const data = Buffer.concat([this.head, chunk])
    const at = data.indexOf(PID_MARKER)
    const nl = at === -1 ? -1 : data.indexOf(0x0a, at)
    if (nl !== -1) {
      this.pid = Number(data.subarray(at + PID_MARKER.length, nl).toString('latin1'))
      this.head = undefined
      return Buffer.concat([data.subarray(0, at), data.subarray(nl + 1)])
    }
    if (data.length > MARKER_SEARCH_BYTES) {
      this.head = undefined
      return data
    }
    this.head = data
    return Buffer.alloc(0)
  }
}
