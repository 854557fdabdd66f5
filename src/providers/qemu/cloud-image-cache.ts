/**
 * The QEMU provider's own copy of a user's cloud image, `<cache>/images/cloud-<sha16>/cloud.qcow2`, named by
 * its content hash: the base is an overlay on this copy, so the user may move, change or delete their file
 * without breaking a lab, and a changed file is a new copy (and a new base). The copy is read-only and is
 * hashed while it is written, so a file that changes during the copy is caught.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { chmod, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { LabError } from '../../util/errors.js'
import { makeStagingDir, sweepAbandonedStaging } from './image-cache.js'
import { waitForFileLock } from '../../state/lock.js'

const DISK = 'cloud.qcow2'
const MANIFEST = 'manifest.json'

export function cloudImageDir(root: string, sha256: string): string {
  return join(root, 'images', `cloud-${sha256.slice(0, 16)}`)
}

async function complete(dir: string, sha256: string): Promise<boolean> {
  try {
    const m = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as { sha256?: string; size?: number }
    return m.sha256 === sha256 && (await stat(join(dir, DISK))).size === m.size
  } catch {
    return false
  }
}

/** The cached copy of `source` (whose hash the caller computed), copied now if the cache lacks it. */
export async function cachedCloudImage(root: string, source: string, sha256: string, onWait?: (message: string) => void): Promise<string> {
  const dir = cloudImageDir(root, sha256)
  if (await complete(dir, sha256)) return join(dir, DISK)
  // Two labs of a class that start at once copy the image once: the second waits for the first, then uses its copy.
  const lock = await waitForFileLock(
    `${dir}.lock`,
    `copy of the cloud image ${source}`,
    onWait ? { onWait: (held) => onWait(`waiting for pid ${held.pid}, which copies the same cloud image into the cache`) } : {},
  )
  try {
    if (await complete(dir, sha256)) return join(dir, DISK)
    return await copyIntoCache(root, dir, source, sha256)
  } finally {
    await lock.release()
  }
}

async function copyIntoCache(root: string, dir: string, source: string, sha256: string): Promise<string> {
  await sweepAbandonedStaging(root)
  const staging = await makeStagingDir(dir)
  try {
    const hash = createHash('sha256')
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk)
        done(null, chunk)
      },
    })
    await pipeline(createReadStream(source), tap, createWriteStream(join(staging, DISK), { mode: 0o644 }))
    const copied = hash.digest('hex')
    if (copied !== sha256) {
      throw new LabError(`the cloud image ${source} changed while it was being copied into the cache`, { hint: 'run lab up again once nothing writes to the file' })
    }
    // Nothing may write to the copy: every base made from it reads through to it.
    await chmod(join(staging, DISK), 0o444)
    const size = (await stat(join(staging, DISK))).size
    await writeFile(join(staging, MANIFEST), JSON.stringify({ sha256, size, source, copiedAt: new Date().toISOString() }, null, 2) + '\n')
    try {
      await rename(staging, dir)
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e
      // Another lab copied the same image first, or a broken leftover sits there.
      if (await complete(dir, sha256)) await rm(staging, { recursive: true, force: true })
      else {
        await rm(dir, { recursive: true, force: true })
        await rename(staging, dir)
      }
    }
    return join(dir, DISK)
  } catch (e) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined)
    throw e
  }
}
