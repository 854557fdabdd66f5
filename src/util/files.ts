/** Small file primitives the state layer relies on: atomic replace, private files. Failures come out in words (fs-errors.ts). */
import { open, rename, mkdir, chmod, readFile, unlink, stat } from 'node:fs/promises'
import { dirname, join, basename } from 'node:path'
import { randomBytes } from 'node:crypto'
import { fsError } from './fs-errors.js'

/**
 * Writes to a temporary name in the same folder, syncs, then renames: readers never see half a file, and a
 * write that fails (a full disk) leaves the old file as it was and no temporary file beside it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  // A folder made here holds the lab's state (media, keys, logs): only its owner reads it.
  await makePrivateDir(dirname(path))
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`)
  try {
    const fh = await open(tmp, 'wx', mode)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    // The umask may have narrowed the mode given to open().
    await chmod(tmp, mode)
    await rename(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw fsError(err, { doing: 'cannot write', path })
  }
}

/** A file only its owner can read, created with that mode (never readable in between). */
export async function writePrivateFile(path: string, data: string | Uint8Array): Promise<void> {
  await ensurePrivateDir(dirname(path))
  await writeFileAtomic(path, data, 0o600)
}

/** A folder only its owner can enter; one made wider by an older version is narrowed. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await makePrivateDir(path)
  try {
    // Only when wider: a private folder on a read-only disk is still readable.
    if (((await stat(path)).mode & 0o777) !== 0o700) await chmod(path, 0o700)
  } catch (err) {
    throw fsError(err)
  }
}

/** The folder and those above it that are missing, made 0700; one that exists is left as it is. */
export async function makePrivateDir(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode: 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw fsError(err)
    // Node's recursive mkdir says ENOENT on a read-only disk: one level at a time tells the real cause.
    throw fsError(
      await firstMissingLevel(path).then(
        () => err,
        (real: unknown) => real,
      ),
    )
  }
}

async function firstMissingLevel(path: string): Promise<void> {
  const levels: string[] = []
  for (let p = path; dirname(p) !== p; p = dirname(p)) levels.unshift(p)
  for (const level of levels) {
    await mkdir(level, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err
    })
  }
}

/** A file's text, or undefined when it does not exist (any other failure is thrown, in words). */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw fsError(err, { doing: 'cannot read', path })
  }
}
