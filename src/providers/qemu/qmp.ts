import { connect, type Socket } from 'node:net'
import { LabError } from '../../util/errors.js'

/**
 * A QMP client over QEMU's unix socket (`-qmp unix:PATH,server=on,wait=off`). QEMU serves one
 * client at a time, so connect, do the work, and close: a client left open locks everyone
 * else out.
 */

export interface QmpEvent {
  event: string
  data?: Record<string, unknown>
  timestamp?: { seconds: number; microseconds: number }
}

/** An error QEMU answered with (`{"error": {"class", "desc"}}`), or a failed HMP command. */
export class QmpError extends LabError {
  readonly command: string
  readonly errorClass: string
  constructor(command: string, errorClass: string, desc: string) {
    super(`QMP ${command}: ${desc}`)
    this.name = 'QmpError'
    this.command = command
    this.errorClass = errorClass
  }
}

interface Pending {
  command: string
  resolve: (value: unknown) => void
  reject: (error: Error) => void
}

type EventListener = (event: QmpEvent) => void

export class QmpClient {
  private buffer = ''
  private nextId = 1
  private readonly pending = new Map<string, Pending>()
  private readonly listeners = new Set<EventListener>()
  private closedError: Error | undefined
  /** QEMU's version from the greeting, e.g. `7.2.22`. */
  version = ''

  private constructor(
    private readonly socket: Socket,
    private readonly path: string,
  ) {}

  /** Connects, reads the greeting and leaves capabilities negotiation mode. */
  static async connect(path: string, opts: { timeoutMs?: number } = {}): Promise<QmpClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000
    const socket = connect(path)
    const client = new QmpClient(socket, path)
    const greeting = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy()
        reject(new LabError(`QMP ${path}: no greeting within ${timeoutMs} ms (is another client connected?)`))
      }, timeoutMs)
      client.onGreeting = (g) => {
        clearTimeout(timer)
        resolve(g)
      }
      socket.once('error', (e) => {
        clearTimeout(timer)
        reject(new LabError(`QMP ${path}: cannot connect (${(e as NodeJS.ErrnoException).code ?? e.message})`, { cause: e }))
      })
    })
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => client.receive(chunk))
    socket.on('error', (e) => client.fail(e))
    socket.on('close', () => client.fail(new LabError(`QMP ${path}: connection closed by QEMU`)))
    const g = await greeting
    const v = (g.QMP as { version?: { qemu?: { major: number; minor: number; micro: number } } } | undefined)?.version?.qemu
    if (v !== undefined) client.version = `${v.major}.${v.minor}.${v.micro}`
    await client.execute('qmp_capabilities')
    return client
  }

  private onGreeting: ((greeting: Record<string, unknown>) => void) | undefined

  private receive(chunk: string): void {
    this.buffer += chunk
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, nl).trim()
      this.buffer = this.buffer.slice(nl + 1)
      if (line === '') continue
      let msg: Record<string, unknown>
      try {
        msg = JSON.parse(line) as Record<string, unknown>
      } catch {
        this.fail(new LabError(`QMP ${this.path}: not JSON: ${line.slice(0, 200)}`))
        return
      }
      this.dispatch(msg)
    }
  }

  private dispatch(msg: Record<string, unknown>): void {
    if ('QMP' in msg) {
      this.onGreeting?.(msg)
      this.onGreeting = undefined
      return
    }
    if (typeof msg.event === 'string') {
      for (const l of this.listeners) l(msg as unknown as QmpEvent)
      return
    }
    const id = typeof msg.id === 'string' ? msg.id : undefined
    const pending = id === undefined ? undefined : this.pending.get(id)
    if (pending === undefined || id === undefined) return
    this.pending.delete(id)
    if ('error' in msg) {
      const err = msg.error as { class?: string; desc?: string }
      pending.reject(new QmpError(pending.command, err.class ?? 'GenericError', err.desc ?? 'unknown error'))
    } else {
      pending.resolve(msg.return)
    }
  }

  private fail(error: Error): void {
    if (this.closedError !== undefined) return
    this.closedError = error
    for (const p of this.pending.values()) p.reject(error)
    this.pending.clear()
  }

  /** Runs a QMP command and returns its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closedError !== undefined) return Promise.reject(this.closedError)
    const id = `vmlab-${this.nextId++}`
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject })
      const msg = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id }
      this.socket.write(`${JSON.stringify(msg)}\n`)
    })
  }

  /** Runs a human monitor (HMP) command; returns its text output. */
  hmp(commandLine: string): Promise<string> {
    return this.execute<string>('human-monitor-command', { 'command-line': commandLine })
  }

  /** Calls `listener` for every asynchronous event until the returned function is called. */
  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** The next event named `name` (optionally matching `filter`). */
  waitForEvent(name: string, opts: { timeoutMs?: number; filter?: (e: QmpEvent) => boolean } = {}): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off()
        reject(new LabError(`QMP ${this.path}: no ${name} event within ${opts.timeoutMs} ms`))
      }, opts.timeoutMs ?? 30_000)
      const off = this.onEvent((e) => {
        if (e.event !== name || (opts.filter !== undefined && !opts.filter(e))) return
        clearTimeout(timer)
        off()
        resolve(e)
      })
    })
  }

  /** Resolves once QEMU closes the connection (e.g. after `quit` or guest power-off). */
  closed(timeoutMs: number): Promise<boolean> {
    if (this.closedError !== undefined || this.socket.destroyed) return Promise.resolve(true)
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      this.socket.once('close', () => {
        clearTimeout(timer)
        resolve(true)
      })
    })
  }

  close(): void {
    this.socket.destroy()
  }
}

/** Connects, runs `work`, and always disconnects (QEMU serves one QMP client at a time). */
export async function withQmp<T>(path: string, work: (qmp: QmpClient) => Promise<T>, opts: { timeoutMs?: number } = {}): Promise<T> {
  const qmp = await QmpClient.connect(path, opts)
  try {
    return await work(qmp)
  } finally {
    qmp.close()
  }
}

/** Snapshot names travel inside an HMP command line, so they are kept to plain words. */
export function checkSnapshotName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new LabError(`snapshot name "${name}" is not allowed: use letters, digits, '.', '_' and '-' (at most 64)`)
  }
}

// HMP reports failure as text in a successful reply, e.g. "Error: Snapshot 'x' does not exist…".
function hmpFailure(output: string): string | undefined {
  const text = output.trim()
  return /^Error:|^Could not|^Failed|^Unable/m.test(text) ? text : undefined
}

/** Live snapshot of RAM, devices and every writable disk (HMP `savevm`). */
export async function saveVmSnapshot(qmp: QmpClient, name: string): Promise<void> {
  checkSnapshotName(name)
  const why = hmpFailure(await qmp.hmp(`savevm ${name}`))
  if (why !== undefined) throw new QmpError('savevm', 'GenericError', why)
}

/**
 * Puts the running VM back to a live snapshot (HMP `loadvm`). A failed `loadvm` leaves the VM
 * paused; it is resumed when it was running before, so a missing snapshot does not freeze it.
 */
export async function loadVmSnapshot(qmp: QmpClient, name: string): Promise<void> {
  checkSnapshotName(name)
  const before = await qmp.execute<{ running: boolean }>('query-status')
  const why = hmpFailure(await qmp.hmp(`loadvm ${name}`))
  if (why === undefined) return
  if (before.running) await qmp.execute('cont').catch(() => {})
  throw new QmpError('loadvm', 'GenericError', why)
}

/** Deletes a live snapshot from every disk (HMP `delvm`). */
export async function deleteVmSnapshot(qmp: QmpClient, name: string): Promise<void> {
  checkSnapshotName(name)
  const why = hmpFailure(await qmp.hmp(`delvm ${name}`))
  if (why !== undefined) throw new QmpError('delvm', 'GenericError', why)
}
