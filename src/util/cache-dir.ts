import { homedir } from 'node:os'
import { posix, win32 } from 'node:path'

/**
 * Root of vmlab's caches (install ISOs, built images, probe results): \$VMLAB_CACHE_DIR, else the platform's
 * cache folder (XDG on Linux, ~/Library/Caches on macOS, %LOCALAPPDATA% on Windows).
 */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = homedir()): string {
  const path = platform === 'win32' ? win32 : posix
  if (env.VMLAB_CACHE_DIR) return path.resolve(env.VMLAB_CACHE_DIR)
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'vmlab')
  if (platform === 'win32') return path.join(env.LOCALAPPDATA || path.join(home, 'AppData', 'Local'), 'vmlab', 'Cache')
  // The XDG spec says a relative XDG_CACHE_HOME is to be ignored.
  const xdg = env.XDG_CACHE_HOME
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, '.cache'), 'vmlab')
}
