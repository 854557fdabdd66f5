/**
 * One command at a time per lab. The lock file holds who has it; a holder that died (kill -9, reboot) leaves a
 * stale lock that the next command takes over, saying so.
 */
import { open, readFile, unlink, mkdir } from 'node:fs/promises'
import { dirname } from 'node:path'
import { hostname } from 'node:os'
import { LabError } from '../util/errors.js'

export interface LockInfo {
  pid: number
  command: string
  host: string
  since: string
}

export interface LabLock {
  release(): Promise<void>
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockInfo
  } catch {
    return undefined
  }
}

export async function acquireLock(path: string, command: string, onStale?: (held: LockInfo | undefined) => void): Promise<LabLock> {
  await mkdir(dirname(path), { recursive: true })
  const me: LockInfo = { pid: process.pid, command, host: hostname(), since: new Date().toISOString() }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o644)
      await fh.writeFile(JSON.stringify(me) + '\n')
      await fh.close()
      return {
        release: async () => {
          const held = await readLock(path)
          if (held?.pid === me.pid) await unlink(path).catch(() => {})
        },
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const held = await readLock(path)
    if (held && held.host === me.host && alive(held.pid)) {
      throw new LabError(`this lab is busy: \`${held.command}\` (PID ${held.pid}) has been running since ${held.since}`, {
        hint: `wait for it to finish, or stop it (kill ${held.pid}); the next command resumes where it stopped`,
      })
    }
    if (held && held.host !== me.host) {
      throw new LabError(`this lab is locked by \`${held.command}\` (PID ${held.pid}) on another machine, ${held.host}, since ${held.since}`, {
        hint: `if nothing runs there any more, remove ${path}`,
      })
    }
    onStale?.(held)
    await unlink(path).catch(() => {})
  }
  throw new LabError(`could not take the lab lock ${path}`, { hint: 'another command keeps taking it; try again' })
}
