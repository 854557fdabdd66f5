import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pidAlive } from '../../util/pid-alive.js'

/**
 * The on-disk cache of built QEMU base images: one directory per image and set of inputs,
 * `<root>/images/<name>-<key12>/`. A directory only gets its final name once everything in it
 * is written, so whatever sits under a final name is complete.
 */

export const IMAGE_FILES = {
  disk: 'base.qcow2',
  kernel: 'vmlinuz',
  initrd: 'initrd.img',
  manifest: 'manifest.json',
} as const

export interface ImageManifest {
  name: string
  /** sha256 of `inputs` (hex). */
  key: string
  /** Everything that decides the image's content; the mirror is not part of it. */
  inputs: Record<string, unknown>
  /** Mirror the packages came from (for the record only). */
  mirror: string
  /** Kernel command line the image boots with (it knows its own root device). */
  kernelArgs: string
  builtAt: string
  buildMs: number
  /** Milliseconds per build stage. */
  timings: Record<string, number>
  /** Bytes on disk of the files the image consists of. */
  sizes: { disk: number; kernel: number; initrd: number }
}

export interface CachedImage {
  dir: string
  disk: string
  kernel: string
  initrd: string
  manifest: ImageManifest
}

export { cacheRoot } from '../../util/cache-dir.js'

/** JSON with object keys sorted at every level, so equal inputs always hash the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v
    const sorted: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k]
    return sorted
  })
}

export function imageKey(inputs: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex')
}

export function imageDir(root: string, name: string, key: string): string {
  return join(root, 'images', `${name}-${key.slice(0, 12)}`)
}

function filesOf(dir: string): Omit<CachedImage, 'manifest'> {
  return {
    dir,
    disk: join(dir, IMAGE_FILES.disk),
    kernel: join(dir, IMAGE_FILES.kernel),
    initrd: join(dir, IMAGE_FILES.initrd),
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch {
    return undefined
  }
}

/**
 * The image in `dir` if it is complete: a readable manifest for `key` and every file with the
 * size the manifest recorded (a truncated copy does not count).
 */
export async function readCachedImage(dir: string, key: string): Promise<CachedImage | undefined> {
  let manifest: ImageManifest
  try {
    manifest = JSON.parse(await readFile(join(dir, IMAGE_FILES.manifest), 'utf8')) as ImageManifest
  } catch {
    return undefined
  }
  if (manifest.key !== key) return undefined
  const files = filesOf(dir)
  for (const part of ['disk', 'kernel', 'initrd'] as const) {
    if ((await sizeOf(files[part])) !== manifest.sizes?.[part]) return undefined
  }
  return { ...files, manifest }
}

/** What a build writes into its staging directory before `commitImage`. */
export function stagingFiles(stagingDir: string): Omit<CachedImage, 'manifest'> {
  return filesOf(stagingDir)
}

const STAGING_MARK = '.partial-'

/**
 * A fresh staging directory next to the final one (same file system, so the commit is one
 * rename). Its name carries our pid so a later build can tell an abandoned one from a live one.
 */
export async function makeStagingDir(finalDir: string): Promise<string> {
  const staging = `${finalDir}${STAGING_MARK}${process.pid}-${Date.now()}`
  await mkdir(staging, { recursive: true })
  return staging
}

/** Removes staging directories whose build process is gone (interrupted builds). */
export async function sweepAbandonedStaging(root: string): Promise<string[]> {
  const imagesDir = join(root, 'images')
  let names: string[]
  try {
    names = await readdir(imagesDir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const at = name.indexOf(STAGING_MARK)
    if (at < 0) continue
    const pid = Number(name.slice(at + STAGING_MARK.length).split('-')[0])
    // Our own pid: a build running concurrently in this process.
    if (Number.isInteger(pid) && pid > 0 && (pid === process.pid || pidAlive(pid))) continue
    await rm(join(imagesDir, name), { recursive: true, force: true })
    removed.push(name)
  }
  return removed
}

/**
 * Gives the staging directory its final name. If another build of the same inputs finished
 * first, its image is kept and ours is thrown away; a broken leftover under the final name
 * (say, a half-copied cache) is replaced.
 */
export async function commitImage(stagingDir: string, finalDir: string, key: string): Promise<CachedImage> {
  try {
    await rename(stagingDir, finalDir)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e
    if ((await readCachedImage(finalDir, key)) === undefined) {
      await rm(finalDir, { recursive: true, force: true })
      await rename(stagingDir, finalDir)
    } else {
      await rm(stagingDir, { recursive: true, force: true })
    }
  }
  const image = await readCachedImage(finalDir, key)
  if (image === undefined) throw new Error(`image cache: ${finalDir} is incomplete after commit`)
  return image
}
