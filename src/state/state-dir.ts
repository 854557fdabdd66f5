/**
 * `.lab/` and `.lab/<lab>/` hold the lab's passwords, keys and command log: only their owner may enter them,
 * whichever command made them first. A folder an older vmlab made 0755 is narrowed, and the caller told.
 */
import { stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ensurePrivateDir } from '../util/files.js'

/** Makes the lab's state folder and the `.lab/` above it private; returns the folders that were wider. */
export async function ensureStateDir(stateDir: string): Promise<string[]> {
  const folders = [dirname(stateDir), stateDir]
  const wider: string[] = []
  for (const dir of folders) {
    const mode = await stat(dir).then(
      (s) => s.mode & 0o777,
      () => undefined,
    )
    if (mode !== undefined && (mode & 0o077) !== 0) wider.push(dir)
    await ensurePrivateDir(dir)
  }
  return wider
}
