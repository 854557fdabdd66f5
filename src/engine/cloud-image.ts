/**
 * The user's cloud image (`install.image`) as the base sees it: its content hash, which names the cached copy
 * and goes into the base's key. Hashing a few GB takes seconds, so the hash is remembered in the lab's state
 * folder for as long as the file's size, mtime and inode stay the same, and after the file is gone.
 */
import { createHash } from 'node:crypto'
import { createReadStream, type Stats } from 'node:fs'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic, readTextIfExists } from '../util/files.js'
import { parseJsonText } from '../util/json-text.js'
import { LabError } from '../util/errors.js'
import { IMAGE_MEMO } from '../lab/image-file.js'

export interface CloudImageRef {
  path: string
  sha256: string
}

interface Remembered {
  path: string
  size: number
  mtimeMs: number
  ino: number
  sha256: string
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

export async function cloudImageRef(path: string, stateDir: string): Promise<CloudImageRef> {
  const memo = join(stateDir, IMAGE_MEMO)
  const text = await readTextIfExists(memo)
  const json = text === undefined ? undefined : parseJsonText(text)
  // A memo cut off by a full disk or a crash only costs hashing the image again; the write below replaces it.
  const seen = (json?.ok && typeof json.value === 'object' && json.value !== null ? json.value : {}) as Partial<Remembered>
  let st: Stats
  try {
    st = await stat(path)
  } catch (err) {
    // Moved or deleted since the base was made from it: the provider's copy (named by this hash) still serves.
    if (seen.path === path && seen.sha256) return { path, sha256: seen.sha256 }
    throw new LabError(`the lab's cloud image ${path} is gone (${(err as NodeJS.ErrnoException).code})`, { hint: 'put it back, or change install.image in the lab file' })
  }
  if (seen.path === path && seen.size === st.size && seen.mtimeMs === st.mtimeMs && seen.ino === st.ino && seen.sha256) return { path, sha256: seen.sha256 }
  const sha256 = await sha256File(path)
  await writeFileAtomic(memo, JSON.stringify({ path, size: st.size, mtimeMs: st.mtimeMs, ino: st.ino, sha256 } satisfies Remembered, null, 2) + '\n')
  return { path, sha256 }
}
