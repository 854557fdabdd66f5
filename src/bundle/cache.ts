/**
 * The classroom cache on the teacher's host: one distribution registry per upstream as a pull-through cache
 * (the registry's `proxy.remoteurl` takes one upstream per instance), and the bundle folder over HTTP. Each
 * is a process of its own that outlives `lab cache up`; their configs, logs and pid files are under the lab's
 * state folder (`.lab/<lab>/cache/`, 0700, files 0600), which `status` and `down` read.
 */
import { spawn } from 'node:child_process'
import { openSync, closeSync, readFileSync } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HostError, InputError, LabError } from '../util/errors.js'
import { ensurePrivateDir, writePrivateFile } from '../util/files.js'
import { pidAlive } from '../util/pid-alive.js'
import { which } from '../util/which.js'
import { sleep } from '../util/sleep.js'

export const REGISTRY_BIN = 'docker-registry'
export const DOCKER_HUB_URL = 'https://registry-1.docker.io'

export interface CacheOptions {
  /** The lab's state folder; the cache lives in its `cache/`. */
  stateDir: string
  /** Upstream registries (URLs); the first listens on `port`, the next on port+1, … */
  upstreams: string[]
  port: number
  /** The bundle folder to serve, on `httpPort`. */
  bundle?: string
  httpPort: number
  /** Address the services listen on: every interface by default, so that the students' nodes reach them. */
  listen: string
  /** The registry binary (Debian's docker-registry, or distribution's `registry`). */
  registryBin?: string
}

export interface CacheService {
  name: string
  kind: 'registry-mirror' | 'bundle-http'
  /** The upstream registry, or the bundle folder. */
  serves: string
  port: number
  pid: number
  running: boolean
  url: string
}

const cacheDir = (stateDir: string): string => join(stateDir, 'cache')

function upstreamName(url: string): string {
  const host = new URL(url).host
  return `mirror-${host.replace(/[^A-Za-z0-9.-]/g, '_')}`
}

function registryConfig(dir: string, upstream: string, listen: string, port: number): string {
  // Quoted as JSON strings, which YAML reads as they are.
  const q = JSON.stringify
  return [
    'version: 0.1',
    'log:',
    '  level: info',
    '  accesslog:',
    '    disabled: false',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${q(join(dir, 'data'))}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${q(`${listen}:${port}`)}`,
    'proxy:',
    `  remoteurl: ${q(upstream)}`,
    '',
  ].join('\n')
}

interface ServiceRecord {
  name: string
  kind: CacheService['kind']
  serves: string
  port: number
  pid: number
  listen: string
}

async function readRecords(stateDir: string): Promise<ServiceRecord[]> {
  const dir = cacheDir(stateDir)
  const names = await readdir(dir).catch(() => [] as string[])
  const records: ServiceRecord[] = []
  for (const n of names.filter((n) => n.endsWith('.json')).sort()) {
    try {
      records.push(JSON.parse(await readFile(join(dir, n), 'utf8')) as ServiceRecord)
    } catch {
      // A record cut short by a crash names no process we could stop: down removes it.
    }
  }
  return records
}

/** Whether the pid is still the process we started (a pid reused by another program is not ours to stop). */
function isOurs(r: ServiceRecord): boolean {
  if (!pidAlive(r.pid)) return false
  try {
    const cmdline = readFileSync(`/proc/${r.pid}/cmdline`, 'utf8')
    return r.kind === 'bundle-http' ? cmdline.includes('serve-static-main') : cmdline.includes('registry')
  } catch {
    // No /proc (macOS): the pid being alive is all we can tell.
    return true
  }
}

function urlOf(r: Pick<ServiceRecord, 'listen' | 'port'>, host: string): string {
  return `http://${r.listen === '0.0.0.0' || r.listen === '::' ? host : r.listen}:${r.port}`
}

export async function cacheStatus(stateDir: string, host = 'HOST'): Promise<CacheService[]> {
  return (await readRecords(stateDir)).map((r) => ({ name: r.name, kind: r.kind, serves: r.serves, port: r.port, pid: r.pid, running: isOurs(r), url: urlOf(r, host) }))
}

async function waitListening(url: string, what: string, log: string, pid: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (!pidAlive(pid)) break
    try {
      const res = await fetch(url)
      await res.body?.cancel()
      return
    } catch {
      await sleep(100)
    }
  }
  const said = readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' | ')
  throw new LabError(`${what} did not start: ${said || 'it printed nothing'}`, { hint: `see ${log}; a port in use is freed by stopping what holds it (\`ss -ltnp\`), or give another --port` })
}

function startDetached(argv: string[], log: string): number {
  const fd = openSync(log, 'a', 0o600)
  try {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', fd, fd] })
    child.unref()
    if (child.pid === undefined) throw new LabError(`cannot start ${argv[0]}`)
    return child.pid
  } finally {
    closeSync(fd)
  }
}

export async function cacheUp(opts: CacheOptions): Promise<CacheService[]> {
  const dir = cacheDir(opts.stateDir)
  const running = (await cacheStatus(opts.stateDir)).filter((s) => s.running)
  if (running.length)
    throw new InputError(`the classroom cache already runs (${running.map((s) => `${s.name} on :${s.port}, pid ${s.pid}`).join('; ')})`, '`lab cache status` shows it; `lab cache down` stops it')
  for (const u of opts.upstreams) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(u))
      throw new InputError(`--upstream ${u} is not a registry's URL`, 'give the scheme and host of the registry, e.g. https://registry-1.docker.io or https://ghcr.io')
  }
  const bin = opts.registryBin ?? which(REGISTRY_BIN)
  if (bin === undefined)
    throw new HostError(`${REGISTRY_BIN} is not installed: the classroom cache runs the distribution registry`, {
      hint: 'apt install docker-registry (Debian/Ubuntu), or put the distribution `registry` binary on PATH',
    })
  if (opts.bundle !== undefined) {
    const { readBundle } = await import('./manifest.js')
    await readBundle(opts.bundle)
  }
  await ensurePrivateDir(dir)
  const started: ServiceRecord[] = []
  try {
    for (const [i, upstream] of opts.upstreams.entries()) {
      const name = upstreamName(upstream)
      const port = opts.port + i
      const own = join(dir, name)
      await ensurePrivateDir(own)
      await writePrivateFile(join(own, 'config.yml'), registryConfig(own, upstream, opts.listen, port))
      const log = join(own, 'registry.log')
      const pid = startDetached([bin, 'serve', join(own, 'config.yml')], log)
      const record: ServiceRecord = { name, kind: 'registry-mirror', serves: upstream, port, pid, listen: opts.listen }
      started.push(record)
      await writePrivateFile(join(dir, `${name}.json`), `${JSON.stringify(record)}\n`)
      await waitListening(`${urlOf(record, '127.0.0.1')}/v2/`, `the registry mirror of ${upstream} on port ${port}`, log, pid)
    }
    if (opts.bundle !== undefined) {
      const log = join(dir, 'bundle-http.log')
      const script = fileURLToPath(new URL('./serve-static-main.js', import.meta.url))
      const pid = startDetached([process.execPath, script, resolve(opts.bundle), String(opts.httpPort), opts.listen], log)
      const record: ServiceRecord = { name: 'bundle-http', kind: 'bundle-http', serves: resolve(opts.bundle), port: opts.httpPort, pid, listen: opts.listen }
      started.push(record)
      await writePrivateFile(join(dir, 'bundle-http.json'), `${JSON.stringify(record)}\n`)
      await waitListening(`${urlOf(record, '127.0.0.1')}/manifest.json`, `the bundle's HTTP server on port ${opts.httpPort}`, log, pid)
    }
  } catch (err) {
    // Half a cache is none: what was started goes.
    await cacheDown(opts.stateDir).catch(() => undefined)
    throw err
  }
  return cacheStatus(opts.stateDir)
}

/** Stops every process of the cache (SIGTERM, then SIGKILL after 5 s) and removes their records; the cached images stay for the next `lab cache up`. */
export async function cacheDown(stateDir: string): Promise<string[]> {
  const stopped: string[] = []
  for (const r of await readRecords(stateDir)) {
    if (isOurs(r)) {
      process.kill(r.pid, 'SIGTERM')
      for (let i = 0; i < 50 && pidAlive(r.pid); i++) await sleep(100)
      if (pidAlive(r.pid)) process.kill(r.pid, 'SIGKILL')
      stopped.push(`${r.name} (pid ${r.pid})`)
    }
    await rm(join(cacheDir(stateDir), `${r.name}.json`), { force: true })
  }
  return stopped
}
