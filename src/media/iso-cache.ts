import type { Arch } from '../lab/arch.js'
import { createHash } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { OS_CATALOG, osFor, type IsoImage, type OsId } from '../lab/os-catalog.js'
import { sha256File } from './checksum.js'

/**
 * Root of vmlab's cache, by platform convention: `$XDG_CACHE_HOME/vmlab` or `~/.cache/vmlab`
 * (Linux and other Unixes), `~/Library/Caches/vmlab` (macOS), `%LOCALAPPDATA%\vmlab\Cache`
 * (Windows). `VMLAB_CACHE_DIR` overrides all of them.
 */
import { cacheRoot } from '../util/cache-dir.js'
export { cacheRoot }

export function isoCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'isos')
}

export function isoCachePath(iso: IsoImage, env: NodeJS.ProcessEnv = process.env): string {
  return join(isoCacheDir(env), iso.file)
}

/**
 * How a file's SHA-256 was vouched for when it was downloaded, for ISOs without a pinned
 * checksum: against the project's published list, or not at all (`--insecure-skip-checksum`).
 */
export type CheckSource = 'published' | 'unverified'

/** What we know about a file's content, valid while its size and mtime are unchanged. */
interface CheckRecord {
  path: string
  size: number
  mtimeMs: number
  sha256: string
  source?: CheckSource
}

/**
 * Where a file's check record lives: beside it for files in our ISO cache, under the cache root
 * for the user's own files (we do not write next to those).
 */
function recordPath(file: string, env: NodeJS.ProcessEnv = process.env): string {
  const abs = resolve(file)
  if (dirname(abs) === isoCacheDir(env)) return `${abs}.sha256.json`
  return join(cacheRoot(env), 'checked', `${createHash('sha256').update(abs).digest('hex').slice(0, 32)}.json`)
}

/** The file's check record, if it still describes the file as it is now. */
export async function readCheckRecord(file: string, env: NodeJS.ProcessEnv = process.env): Promise<CheckRecord | undefined> {
  const abs = resolve(file)
  let record: CheckRecord
  try {
    record = JSON.parse(await readFile(recordPath(abs, env), 'utf8')) as CheckRecord
  } catch {
    return undefined
  }
  const st = await stat(abs).catch(() => undefined)
  if (!st || record.path !== abs || record.size !== st.size || record.mtimeMs !== st.mtimeMs) return undefined
  return record
}

export async function writeCheckRecord(file: string, sha256: string, source?: CheckSource, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const abs = resolve(file)
  const st = await stat(abs)
  const record: CheckRecord = { path: abs, size: st.size, mtimeMs: st.mtimeMs, sha256, ...(source ? { source } : {}) }
  const target = recordPath(abs, env)
  await mkdir(dirname(target), { recursive: true })
  await writeFile(target, `${JSON.stringify(record)}\n`)
}

/**
 * SHA-256 of a file, hashed only when its size or mtime changed since the last time: a 2 GB
 * ISO is not re-read on every `lab up`.
 */
export async function fileSha256(file: string, opts: { env?: NodeJS.ProcessEnv; onBytes?: (n: number) => void } = {}): Promise<string> {
  const known = await readCheckRecord(file, opts.env)
  if (known) return known.sha256
  const sha256 = await sha256File(file, opts.onBytes ? { onBytes: opts.onBytes } : {})
  await writeCheckRecord(file, sha256, undefined, opts.env)
  return sha256
}

/**
 * Whether a file in the cache is a good copy of `iso`: its pinned checksum, or for a rolling
 * release the record made when it was downloaded against the published checksum.
 */
export async function isCachedCopyGood(iso: IsoImage, opts: { env?: NodeJS.ProcessEnv; allowUnverified?: boolean } = {}): Promise<boolean> {
  const path = isoCachePath(iso, opts.env)
  const st = await stat(path).catch(() => undefined)
  if (!st?.isFile()) return false
  if (iso.sizeBytes !== undefined && st.size !== iso.sizeBytes) return false
  if (iso.sha256) return (await fileSha256(path, opts.env ? { env: opts.env } : {})) === iso.sha256
  const record = await readCheckRecord(path, opts.env)
  return record?.source === 'published' || (opts.allowUnverified === true && record?.source === 'unverified')
}

/**
 * Path of a good cached install ISO for `os` (the best kind first, or only `kind`), or
 * undefined. ISOs downloaded with `--insecure-skip-checksum` count only with `allowUnverified`.
 */
export async function cachedIso(os: OsId, opts: { kind?: IsoImage['kind']; env?: NodeJS.ProcessEnv; allowUnverified?: boolean; arch?: Arch } = {}): Promise<string | undefined> {
  for (const iso of (osFor(os, opts.arch ?? 'x86_64') ?? OS_CATALOG[os]).isos) {
    if (opts.kind !== undefined && iso.kind !== opts.kind) continue
    if (await isCachedCopyGood(iso, opts)) return isoCachePath(iso, opts.env)
  }
  return undefined
}

export type CacheState = { state: 'absent' } | { state: 'partial'; bytes: number } | { state: 'unchecked' } | { state: 'verified'; source?: CheckSource } | { state: 'mismatch' }

/** What the cache holds for `iso`, without hashing anything (for listings). */
export async function cacheState(iso: IsoImage, env: NodeJS.ProcessEnv = process.env): Promise<CacheState> {
  const path = isoCachePath(iso, env)
  const st = await stat(path).catch(() => undefined)
  if (!st?.isFile()) {
    const part = await stat(`${path}.part`).catch(() => undefined)
    return part ? { state: 'partial', bytes: part.size } : { state: 'absent' }
  }
  const record = await readCheckRecord(path, env)
  if (!record) return { state: 'unchecked' }
  if (iso.sha256) return record.sha256 === iso.sha256 ? { state: 'verified' } : { state: 'mismatch' }
  return record.source ? { state: 'verified', source: record.source } : { state: 'unchecked' }
}
