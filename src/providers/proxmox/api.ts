/**
 * The PVE REST API as vmlab uses it: the `{data: …}` envelope, errors as PveApiError, tasks (UPIDs) polled to
 * their end with their log in the error, and calls on a locked VM tried again with backoff.
 */
import { sleep } from '../../util/sleep.js'
import { noteCall } from '../../util/run.js'
import { LabError } from '../../util/errors.js'
import { PveApiError } from './api-error.js'
import type { HttpCall, HttpMethod, Params, Transport } from './http.js'

export interface ApiOptions {
  /** `lab plan --commands`: tasks are not polled. */
  dryRun?: boolean
  /** Waits between tries of a call on a locked VM; its length is the number of retries. */
  lockBackoffMs?: number[]
  /** How often a running task is asked about. */
  pollMs?: number
  /** Give up on a task after this long. */
  taskTimeoutMs?: number
  /** Texts to show as *** wherever they would appear (the token secret). */
  secrets?: string[]
}

/** Parameters whose value is a secret of its own (POST /access/users, PUT /access/password). */
const SECRET_PARAMS = new Set(['password', 'cipassword'])

export interface Upid {
  node: string
  type: string
  id: string
  user: string
}

/** UPID:node:pid:pstart:starttime:type:id:user: (pid, pstart and starttime in hex). */
export function parseUpid(upid: string): Upid | undefined {
  const m = /^UPID:([^:]+):[0-9A-F]{8}:[0-9A-F]{8,}:[0-9A-F]{8}:([^:]+):([^:]*):([^:]+):$/i.exec(upid)
  return m ? { node: m[1]!, type: m[2]!, id: m[3]!, user: m[4]! } : undefined
}

export class TaskError extends LabError {
  constructor(
    readonly upid: string,
    readonly exitstatus: string,
    readonly log: string[],
    what: string,
  ) {
    super(`proxmox: ${what} failed: ${exitstatus}\n  task ${upid}\n${log.map((l) => `  | ${l}`).join('\n')}`, {
      hint: /VM is locked/.test(exitstatus)
        ? 'another task holds the VM: wait for it (`qm unlock VMID` only if none runs)'
        : "the task log above is the node's own account; `pvenode task log UPID` shows it again",
    })
    this.name = 'TaskError'
  }
  get lockedBy(): string | undefined {
    return /VM is locked \(([a-z-]+)\)/.exec(this.exitstatus)?.[1]
  }
}

export class PveApi {
  private readonly backoff: number[]
  constructor(
    private readonly transport: Transport,
    private readonly opts: ApiOptions = {},
  ) {
    this.backoff = opts.lockBackoffMs ?? [500, 1000, 2000, 4000, 8000, 15000]
  }

  get dryRun(): boolean {
    return this.opts.dryRun === true
  }

  private redact(text: string): string {
    let out = text
    for (const s of this.opts.secrets ?? []) if (s !== '') out = out.split(s).join('***')
    return out
  }

  /** One call, its `data` or a PveApiError. */
  async call<T = unknown>(method: HttpMethod, path: string, params: Params = {}, upload?: { file: string; name: string }): Promise<T> {
    const req: HttpCall = { method, path, params, ...(upload === undefined ? {} : { upload }) }
    const started = Date.now()
    // A plan's calls are its output already (the recording runner has them).
    const logged = this.dryRun ? undefined : this.logLine(req)
    let res: Awaited<ReturnType<Transport>>
    try {
      res = await this.transport(req)
    } catch (e) {
      if (logged) noteCall(logged, { error: e })
      throw e
    }
    if (logged) noteCall(logged, { exitCode: res.status, durationMs: Date.now() - started })
    let body: { data?: unknown; errors?: Record<string, string>; message?: string } = {}
    try {
      body = res.body === '' ? {} : JSON.parse(res.body)
    } catch {
      // A proxy in front of PVE answers in HTML; its status line is still the news.
    }
    if (res.status >= 200 && res.status < 300) return body.data as T
    throw new PveApiError({
      status: res.status,
      method,
      path: this.redact(path),
      message: this.redact(body.message ?? res.statusText),
      ...(body.errors ? { errors: Object.fromEntries(Object.entries(body.errors).map(([k, v]) => [k, this.redact(v)])) } : {}),
    })
  }

  /**
   * The call as the command log shows it, like a CLI's argv: `https METHOD PATH k=v…`. No header goes in it
   * (the token), and no password a call sets (a student's initial one).
   */
  private logLine(call: HttpCall): string[] {
    const params = Object.entries(call.params)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${SECRET_PARAMS.has(k) ? '***' : this.redact(String(v))}`)
    return ['https', call.method, this.redact(call.path), ...params, ...(call.upload ? [`filename=@${call.upload.file}`] : [])]
  }

  get<T = unknown>(path: string, params: Params = {}): Promise<T> {
    return this.call<T>('GET', path, params)
  }

  /**
   * A call that may start a task: it is polled to its end. A VM locked by another task (the call refused at
   * once, or its task failing on the lock) is tried again after each backoff step.
   */
  async run(method: HttpMethod, path: string, params: Params = {}, what = `${method} ${path}`, upload?: { file: string; name: string }): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      try {
        const data = await this.call(method, path, params, upload)
        if (typeof data === 'string' && data.startsWith('UPID:')) await this.waitTask(data, what)
        return data
      } catch (e) {
        const locked = e instanceof PveApiError || e instanceof TaskError ? e.lockedBy : undefined
        if (locked === undefined || attempt >= this.backoff.length) throw e
        await sleep(this.backoff[attempt]!)
      }
    }
  }

  /** Polls a task until it has stopped; a task that did not end OK throws with its log. */
  async waitTask(upid: string, what: string): Promise<void> {
    if (this.dryRun) return
    const u = parseUpid(upid)
    if (!u) throw new LabError(`proxmox: ${what} returned a task id that is no UPID: ${upid}`)
    const base = `/nodes/${u.node}/tasks/${encodeURIComponent(upid)}`
    const deadline = Date.now() + (this.opts.taskTimeoutMs ?? 30 * 60_000)
    for (;;) {
      const s = await this.get<{ status: string; exitstatus?: string }>(`${base}/status`)
      if (s.status === 'stopped') {
        // Warnings end a task with "WARNINGS: n": it did its work.
        if (s.exitstatus === 'OK' || /^WARNINGS: \d+$/.test(s.exitstatus ?? '')) return
        const log = await this.get<Array<{ n: number; t: string }>>(`${base}/log`, { start: 0, limit: 50 }).catch(() => [])
        throw new TaskError(
          upid,
          this.redact(s.exitstatus ?? 'unknown error'),
          log.map((l) => this.redact(l.t)),
          what,
        )
      }
      if (Date.now() > deadline)
        throw new LabError(`proxmox: ${what}: task ${upid} still runs after ${Math.round((this.opts.taskTimeoutMs ?? 0) / 1000)} s`, {
          hint: 'see the task in the web UI (Datacenter → Tasks); vmlab has left it running',
        })
      await sleep(this.opts.pollMs ?? 500)
    }
  }
}
