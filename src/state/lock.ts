/**
 * One command at a time per lab. The lock file holds who has it and which hypervisor commands it is running;
 * a holder that died (kill -9, reboot) leaves a stale lock that the next command takes over, saying so, once
 * the commands the dead holder left running have finished: a `VBoxManage clonevm` or `vmware-vdiskmanager`
 * outlives a killed `lab`, and a command that started beside it would meet a half-made VM or disk.
 */
import { link, copyFile, unlink } from 'node:fs/promises'
import { constants, renameSync, writeFileSync, readFileSync, unlinkSync, openSync, fstatSync, closeSync, statSync } from 'node:fs'
import { dirname } from 'node:path'
import { hostname } from 'node:os'
import { LabError } from '../util/errors.js'
import { EXIT } from '../util/exit-codes.js'
import { fsError } from '../util/fs-errors.js'
import { makePrivateDir } from '../util/files.js'
import { startTicks } from '../util/proc-stat.js'
import { sleep } from '../util/sleep.js'
import { pidAlive } from '../util/pid-alive.js'

/** A process the holder started and had not seen end, with a readable command line. */
export interface LockChild {
  pid: number
  command: string
  /** When it started, in clock ticks since boot, where /proc tells: a PID given to another process since differs here. */
  startTicks?: number
  /** When its time limit runs out (ISO time): past it, the next command ends it instead of waiting for it. */
  deadline?: string
}

export interface LockInfo {
  pid: number
  command: string
  host: string
  since: string
  children?: LockChild[]
}

export interface LabLock {
  /** Records a started process in the lock (with its start time, read here); the returned function records its end. */
  track(child: LockChild): () => void
  /** The recorded processes that still run. */
  running(): LockChild[]
  /** Frees the lock; while a recorded process still runs, the lock stays so that the next command waits for it. */
  release(): Promise<void>
}

export interface LockOptions {
  /** Told when the lock of a command that is no longer running is taken over. */
  onStale?: (held: LockInfo | undefined) => void
  /** Told once when the commands a dead holder left running are waited for. */
  onWait?: (children: LockChild[], held: LockInfo) => void
  /** Told when commands a dead holder left running are past their time limit, as they are ended. */
  onOverdue?: (children: LockChild[], held: LockInfo) => void
  /** How long to wait for them before giving up (default 10 min: a full clone of a large disk). */
  waitMs?: number
  /** Between two looks at them. */
  pollMs?: number
  /** After how long another command's takeover of a stale lock counts as abandoned (default 10 s). */
  takeoverMs?: number
}

const TAKEOVER_MS = 10_000

/** The recorded process still runs: the same PID and, where it was recorded, the same start time. */
function stillRunning(child: LockChild): boolean {
  if (!pidAlive(child.pid)) return false
  return child.startTicks === undefined || startTicks(child.pid) === child.startTicks
}

/** The lock as its holder wrote it; a damaged file reads as no holder, and damaged process entries as none. */
function readLock(path: string): LockInfo | undefined {
  try {
    return parseLock(readFileSync(path, 'utf8'))
  } catch {
    return undefined
  }
}

function parseLock(text: string): LockInfo | undefined {
  let info: LockInfo
  try {
    info = JSON.parse(text) as LockInfo
  } catch {
    return undefined
  }
  if (typeof info !== 'object' || info === null) return undefined
  const children = Array.isArray(info.children) ? info.children.filter((c) => Number.isInteger(c?.pid) && c.pid > 0 && typeof c.command === 'string') : []
  return { ...info, children }
}

/** The processes named the way every message names them, and the pronouns that go with how many there are. */
export function describeChildren(children: LockChild[]): { list: string; it: string; is: string } {
  const list = children.map((c) => `\`${c.command}\` (PID ${c.pid})`).join(', ')
  return children.length > 1 ? { list, it: 'them', is: 'are' } : { list, it: 'it', is: 'is' }
}

const tmpOf = (path: string, pid: number) => `${path}.${pid}.tmp`

/** Writes the whole lock under a temporary name first, so that a reader never sees half of it. */
function writeLockSync(path: string, info: LockInfo): string {
  const tmp = tmpOf(path, info.pid)
  try {
    writeFileSync(tmp, JSON.stringify(info) + '\n', { mode: 0o600 })
  } catch (err) {
    // A full disk leaves a truncated file: it must not stay beside the lock.
    try {
      unlinkSync(tmp)
    } catch {
      // never made
    }
    throw err
  }
  return tmp
}

/** One look at the lock file: its exact text, which tells one holding from any other, and its inode, which names a takeover. */
interface Seen {
  text: string
  ino: number
}

function look(path: string): Seen | undefined {
  let fd: number
  try {
    fd = openSync(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    return { ino: fstatSync(fd).ino, text: readFileSync(fd, 'utf8') }
  } finally {
    closeSync(fd)
  }
}

/** The same holding as we saw: pid, command and start time in the text tell one from any other. */
const sameLock = (a: Seen | undefined, b: Seen) => a !== undefined && a.text === b.text

type Takeover = 'removed' | 'changed' | 'in progress'

/**
 * Removes the stale lock we saw, as the only command doing so. The takeover's sentinel is a second name for
 * whatever the lock file is now, made by link(), which fails where the name exists; it is named after the stale
 * lock's inode, so every command that judged that lock stale competes for one name. While we hold it nothing
 * else can change the lock (its holder is dead, a fresh command's link fails on a file that exists, other
 * takers wait on the sentinel), so once the sentinel shows it is the lock we saw, unlinking the lock is safe.
 * Moving the lock aside instead leaves a moment without it, in which a third command took it (1 in 150).
 */
async function removeStale(path: string, seen: Seen, takeoverMs: number): Promise<Takeover> {
  const sentinel = `${path}.takeover-${seen.ino}`
  try {
    await takeExclusive(path, sentinel)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return 'changed'
    if (code !== 'EEXIST') throw err
    // A takeover lasts milliseconds: a sentinel older than that was left by a command killed in the middle of one
    // (two commands that both find it so could both unlink it, the second a new one: only after such a kill).
    if (!abandoned(sentinel, takeoverMs)) return 'in progress'
    await unlink(sentinel).catch(() => {})
    return 'changed'
  }
  try {
    if (!sameLock(look(sentinel), seen)) return 'changed'
    await unlink(path)
    return 'removed'
  } finally {
    await unlink(sentinel).catch(() => {})
  }
}

/** The sentinel was made (its inode linked, or its copy written) longer ago than a takeover takes. */
function abandoned(sentinel: string, takeoverMs: number): boolean {
  try {
    return Date.now() - statSync(sentinel).ctimeMs > takeoverMs
  } catch {
    return false
  }
}

/** A hard link where the file system has them; an exclusive copy (briefly empty to a reader) where it does not. */
async function takeExclusive(tmp: string, path: string): Promise<void> {
  try {
    await link(tmp, path)
  } catch (err) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err
    await copyFile(tmp, path, constants.COPYFILE_EXCL)
  }
}

/** Past its deadline; a damaged deadline reads as none. */
const overdue = (child: LockChild, now: number) => typeof child.deadline === 'string' && Date.parse(child.deadline) <= now

/** Ends a process we started that is past its time limit, with what it started (it leads its own process group). */
function endOverdue(child: LockChild, signal: NodeJS.Signals): void {
  for (const target of [-child.pid, child.pid]) {
    try {
      process.kill(target, signal)
      return
    } catch {
      // not a group leader, or gone already
    }
  }
}

/** After SIGTERM, how long an overdue process has before SIGKILL. */
const END_GRACE_MS = 2000

async function waitForChildren(path: string, held: LockInfo, opts: LockOptions): Promise<void> {
  let left = (held.children ?? []).filter(stillRunning)
  if (left.length === 0) return
  const waited = left.filter((c) => !overdue(c, Date.now()))
  if (waited.length > 0) opts.onWait?.(waited, held)
  const until = Date.now() + (opts.waitMs ?? 600_000)
  // A process past its deadline is one of ours that hangs (run() would have stopped it): it is not waited for.
  const ending = new Map<number, number>()
  while (left.length > 0) {
    const now = Date.now()
    const due = left.filter((c) => overdue(c, now) && !ending.has(c.pid))
    if (due.length > 0) {
      opts.onOverdue?.(due, held)
      for (const c of due) {
        endOverdue(c, 'SIGTERM')
        ending.set(c.pid, now)
      }
    }
    for (const c of left) if ((ending.get(c.pid) ?? Infinity) + END_GRACE_MS <= now) endOverdue(c, 'SIGKILL')
    if (now >= until) {
      const { list, it, is } = describeChildren(left)
      throw new LabError(`${list}, started by \`${held.command}\` (PID ${held.pid}) before it stopped, ${is} still running`, {
        hint: `wait for ${it} to finish, or stop ${it} (kill ${left.map((c) => c.pid).join(' ')}), then run the command again; ${path} is left as it is`,
      })
    }
    await sleep(opts.pollMs ?? 250)
    left = left.filter(stillRunning)
  }
}

/** What a lock is called in its messages, and the error when a live command holds it (here or on another machine). */
interface LockKind {
  name: string
  busy(held: LockInfo, elsewhere: boolean, path: string): LabError
}

const LAB_LOCK: LockKind = {
  name: 'the lab lock',
  busy: (held, elsewhere, path) =>
    elsewhere
      ? new LabError(`this lab is locked by \`${held.command}\` (PID ${held.pid}) on another machine, ${held.host}, since ${held.since}`, {
          hint: `if nothing runs there any more, remove ${path}`,
          exitCode: EXIT.busy,
        })
      : new LabError(`this lab is busy: \`${held.command}\` (PID ${held.pid}) has been running since ${held.since}`, {
          hint: `wait for it to finish, or stop it (kill ${held.pid}); the next command resumes where it stopped`,
          exitCode: EXIT.busy,
        }),
}

export async function acquireLock(path: string, command: string, opts: LockOptions = {}): Promise<LabLock> {
  try {
    return await takeLock(path, command, opts, LAB_LOCK)
  } catch (err) {
    throw fsError(err, { doing: 'cannot take the lab lock', path })
  }
}

/**
 * The same lock for anything else two `lab` processes must not do at once (appending to one download's
 * `.part`): taken in one step, a dead holder's lock taken over. `busy` is the error when a live one holds it.
 */
export async function acquireFileLock(path: string, command: string, busy: (held: LockInfo) => LabError): Promise<LabLock> {
  return takeLock(path, command, {}, { name: 'the lock', busy: (held) => busy(held) })
}

/**
 * acquireFileLock for work a live holder may be doing for us too (building the same image): it is waited for
 * instead of refused, `onWait` told once. The caller looks for the holder's result again once it has the lock.
 */
export async function waitForFileLock(path: string, command: string, opts: { onWait?: (held: LockInfo) => void; pollMs?: number; waitMs?: number } = {}): Promise<LabLock> {
  const deadline = Date.now() + (opts.waitMs ?? 2 * 3600_000)
  let told = false
  for (;;) {
    let holder: LockInfo | undefined
    try {
      return await acquireFileLock(path, command, (held) => {
        holder = held
        return new LabError(`${path} is held by pid ${held.pid}`)
      })
    } catch (err) {
      if (holder === undefined) throw err
      if (Date.now() >= deadline) {
        throw new LabError(`${holder.command} (pid ${holder.pid} on ${holder.host}) has held ${path} since ${holder.since}`, {
          hint: `if that process is stuck, stop it; if no lab process runs any more, delete ${path}`,
        })
      }
      if (!told) opts.onWait?.(holder)
      told = true
      await sleep(opts.pollMs ?? 1000)
    }
  }
}

async function takeLock(path: string, command: string, opts: LockOptions, kind: LockKind): Promise<LabLock> {
  await makePrivateDir(dirname(path))
  const me: LockInfo = { pid: process.pid, command, host: hostname(), since: new Date().toISOString() }
  let until: number | undefined
  for (let attempt = 0; attempt < 3; attempt++) {
    // A hard link of a complete file: taken or not in one step, and never seen empty by another command.
    const tmp = writeLockSync(path, me)
    try {
      await takeExclusive(tmp, path)
      return heldLock(path, me)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    } finally {
      await unlink(tmp).catch(() => {})
    }
    let seen = look(path)
    // Freed between our try and our look: try again.
    if (seen === undefined) continue
    const held = parseLock(seen.text)
    if (held && held.host === me.host && pidAlive(held.pid)) throw kind.busy(held, false, path)
    if (held && held.host !== me.host) throw kind.busy(held, true, path)
    if (held?.children?.length) {
      await waitForChildren(path, held, opts)
      // Another command may have waited too and taken the lock first: theirs is not stale.
      const now = look(path)
      if (!sameLock(now, seen)) continue
      seen = now!
    }
    // Never a bare unlink(path): between our look and the unlink another command may have taken the lock over.
    const takeover = await removeStale(path, seen, opts.takeoverMs ?? TAKEOVER_MS)
    if (takeover === 'in progress') {
      // Another command is taking it over this moment: its lock is there when we look again.
      until ??= Date.now() + (opts.takeoverMs ?? TAKEOVER_MS) + 1000
      if (Date.now() < until) {
        await sleep(10)
        attempt--
        continue
      }
    }
    if (takeover !== 'removed') continue
    opts.onStale?.(held)
    if (held) await unlink(tmpOf(path, held.pid)).catch(() => {})
  }
  throw new LabError(`could not take ${kind.name} ${path}`, { hint: 'another command keeps taking it; try again' })
}

function heldLock(path: string, me: LockInfo): LabLock {
  const children = new Map<number, LockChild>()
  let released = false
  // Synchronous on purpose: records land in the order the processes start and end, with no await in between.
  const rewrite = () => {
    if (released) return
    const info: LockInfo = children.size ? { ...me, children: [...children.values()] } : me
    renameSync(writeLockSync(path, info), path)
  }
  const running = () => [...children.values()].filter(stillRunning)
  const free = () => {
    if (readLock(path)?.pid !== me.pid) return
    try {
      unlinkSync(path)
    } catch {
      // gone already
    }
  }
  // `lab … | head` ends lab with process.exit() when the reader goes: the lock is freed on the way out, as by release().
  const onExit = () => {
    if (!released && running().length === 0) free()
  }
  process.on('exit', onExit)
  return {
    track(child) {
      const ticks = startTicks(child.pid)
      children.set(child.pid, ticks === undefined ? child : { ...child, startTicks: ticks })
      rewrite()
      return () => {
        if (children.delete(child.pid)) rewrite()
      }
    },
    running,
    release: async () => {
      process.off('exit', onExit)
      if (running().length > 0) return
      released = true
      free()
    },
  }
}
