/**
 * Warnings about this machine (KVM missing, a slow engine) are told once per host, not on every command: the
 * ones told are remembered in a per-user file (0600 in a 0700 folder). `lab -v` tells them every time.
 */
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, isAbsolute } from 'node:path'

/** vmlab's per-user state folder: $VMLAB_STATE_HOME, else the platform's (XDG state on Linux). */
export function userStateDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.VMLAB_STATE_HOME) return env.VMLAB_STATE_HOME
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'vmlab')
  if (platform === 'win32') return join(env.LOCALAPPDATA || join(home, 'AppData', 'Local'), 'vmlab', 'State')
  const xdg = env.XDG_STATE_HOME
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'state'), 'vmlab')
}

const key = (message: string) => createHash('sha256').update(message).digest('hex').slice(0, 16)

/**
 * True the first time `message` is asked about on this machine (and remembers it), false afterwards. A
 * folder that cannot be written only means the warning is told again next time.
 */
export function firstTime(message: string, dir = userStateDir()): boolean {
  const file = join(dir, 'warnings-seen.json')
  let seen: Record<string, string> = {}
  try {
    seen = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>
  } catch {
    // none yet, or unreadable: start afresh
  }
  const k = key(message)
  if (seen[k]) return false
  seen[k] = new Date().toISOString()
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    writeFileSync(file, JSON.stringify(seen, null, 2) + '\n', { mode: 0o600 })
    chmodSync(file, 0o600)
  } catch {
    // told again next time
  }
  return true
}
