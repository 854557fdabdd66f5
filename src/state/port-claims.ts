/**
 * Host ports handed out to NAT forwards, claimed across processes: two `lab up` of a class on one host each
 * read the VMs' forwards before either has written its own, and would pick the same port. A claim is a file
 * made with O_EXCL (`ports/PORT`, 0600 in a 0700 folder) holding the claimer's pid; it lapses when that
 * process is gone or after `ttlMs`, by when the VM's own rule shows the port as taken to everyone.
 */
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pidAlive } from '../util/pid-alive.js'
import { userStateDir } from './seen-warnings.js'

interface Claim {
  pid: number
  at: number
}

const TTL_MS = 15 * 60_000

/**
 * True when this process now holds `port` (or already did); false when a live process claimed it within the
 * TTL. A folder that cannot be written gives no protection, only today's behaviour: the claim is granted.
 */
export function claimPort(port: number, opts: { dir?: string; ttlMs?: number; now?: number; pid?: number } = {}): boolean {
  const dir = join(opts.dir ?? userStateDir(), 'ports')
  const pid = opts.pid ?? process.pid
  const now = opts.now ?? Date.now()
  const file = join(dir, String(port))
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
  } catch {
    return true
  }
  // Written whole beside it, then linked into place: link() fails if the claim exists, and no reader ever
  // sees a claim half written (one that a reader took for torn and removed would be claimed twice).
  const mine = join(dir, `.${port}.${pid}.${now}`)
  try {
    writeFileSync(mine, JSON.stringify({ pid, at: now } satisfies Claim), { mode: 0o600 })
  } catch {
    return true
  }
  try {
    return claimWith(file, mine, pid, now, opts.ttlMs ?? TTL_MS)
  } finally {
    rmSync(mine, { force: true })
  }
}

function claimWith(file: string, mine: string, pid: number, now: number, ttlMs: number): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      linkSync(mine, file)
      return true
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') return true
    }
    let held: Claim | undefined
    try {
      held = JSON.parse(readFileSync(file, 'utf8')) as Claim
    } catch {
      // Not JSON (a file of another version, a disk error) or removed meanwhile: stale either way.
    }
    if (held?.pid === pid) return true
    if (held && pidAlive(held.pid) && now - held.at < ttlMs) return false
    // Lapsed: removed only if it is still the claim just read (another taker may have replaced it meanwhile).
    try {
      if (readFileSync(file, 'utf8') === JSON.stringify(held ?? null) || held === undefined) rmSync(file, { force: true })
    } catch {
      // Gone already.
    }
  }
  return false
}
