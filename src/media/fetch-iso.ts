import type { Arch } from '../lab/arch.js'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { IsoImage, OsInfo } from '../lab/os-catalog.js'
import { LabError } from '../util/errors.js'
import { parseChecksumList } from './checksum.js'
import { download, DownloadBusyError, type DownloadOptions } from './download.js'
import { progressReporter, type ProgressStream } from './download-progress.js'
import { isCachedCopyGood, isoCacheDir, isoCachePath, writeCheckRecord, type CheckSource } from './iso-cache.js'
import { mirrorUrl, osWithIsos, pickIso } from './iso-select.js'

export interface FetchIsoOptions {
  /** Mirror root that replaces the part of the URL before the distribution's path. */
  mirror?: string
  kind?: string
  /** Accept an ISO that has no trusted checksum (a warning is printed). */
  insecureSkipChecksum?: boolean
  /** Progress and warnings go here (the CLI passes stderr); without it they are not shown. */
  stderr?: ProgressStream
  env?: NodeJS.ProcessEnv
  signal?: AbortSignal
  /** The guests' architecture (x86_64 by default): aarch64 takes the aarch64 ISO of the release. */
  arch?: Arch
  /** Transfer tuning, for tests. */
  transfer?: Pick<DownloadOptions, 'stallTimeoutMs' | 'retries' | 'retryDelayMs'>
}

export interface FetchIsoResult {
  path: string
  iso: IsoImage
  /** False when a good copy was already in the cache. */
  downloaded: boolean
}

const unseen: ProgressStream = { write: () => true }

/** `lab iso fetch`: puts a verified copy of the OS's install ISO in the cache. */
export async function fetchIso(osId: string, opts: FetchIsoOptions = {}): Promise<FetchIsoResult> {
  const os = osWithIsos(osId, opts.arch)
  return fetchIsoImage(os, pickIso(os, opts.kind), opts)
}

/** Puts a verified copy of one catalog entry in the cache (the part of `fetchIso` after the lookup). */
export async function fetchIsoImage(os: OsInfo, iso: IsoImage, opts: FetchIsoOptions = {}): Promise<FetchIsoResult> {
  const env = opts.env ?? process.env
  const err = opts.stderr ?? unseen
  const dest = isoCachePath(iso, env)
  const urls = opts.mirror !== undefined ? [mirrorUrl(iso, opts.mirror)] : iso.urls
  const allowUnverified = opts.insecureSkipChecksum === true
  if (await isCachedCopyGood(iso, { env, allowUnverified })) {
    err.write(`${iso.file} is already in the cache\n`)
    return { path: dest, iso, downloaded: false }
  }

  const { sha256, source } = await expectedChecksum(os, iso, opts, env, err)
  const failures: LabError[] = []
  for (const url of urls) {
    err.write(`downloading ${url}\n`)
    const reporter = progressReporter(iso.file, err)
    try {
      const result = await download(url, dest, {
        ...(sha256 !== undefined ? { sha256 } : {}),
        onProgress: (p) => reporter.update(p),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...opts.transfer,
      })
      reporter.done()
      await writeCheckRecord(result.path, result.sha256, source, env)
      return { path: result.path, iso, downloaded: true }
    } catch (e) {
      reporter.done()
      if (!(e instanceof LabError) || e instanceof DownloadBusyError || opts.signal?.aborted) throw e
      failures.push(e)
      if (url !== urls[urls.length - 1]) err.write(`warning: ${e.message}; trying the next source\n`)
    }
  }
  // Offline, or the servers unreachable: the three ways to a lab without them.
  const ways = `three ways out: an ISO you have (\`lab up --iso PATH\`, checked against the pinned SHA-256); a mirror you can reach (\`lab up --mirror URL\`, or \`lab iso fetch ${os.id} --mirror URL\` ahead of time); or the Debian lab, which needs no ISO (\`node scripts/busybox-image.mjs && lab up debian-swarm\` in the vmlab folder: QEMU on Linux)`
  if (failures.length === 1) {
    const only = failures[0]!
    // A file that arrived but is not the one pinned is no network problem: its own hint says what to do.
    if (!/cannot resolve|connection|cannot download|HTTP|timed out/i.test(only.message)) throw only
    throw new LabError(only.message, { hint: only.hint ? `${only.hint}; ${ways}` : ways, cause: only })
  }
  throw new LabError(`could not download ${iso.file} from any of its ${urls.length} sources:\n${failures.map((f) => `  ${f.message}`).join('\n')}`, {
    hint: `check the network connection; ${ways}`,
  })
}

/**
 * The checksum the download must match: the pinned one; for a rolling release the one the
 * project publishes now (always read from the project itself, also with --mirror, so that a
 * mirror cannot vouch for its own copy); none only when the user accepts that.
 */
async function expectedChecksum(os: OsInfo, iso: IsoImage, opts: FetchIsoOptions, env: NodeJS.ProcessEnv, err: ProgressStream): Promise<{ sha256?: string; source?: CheckSource }> {
  if (iso.sha256) return { sha256: iso.sha256 }
  if (iso.checksumUrl) {
    try {
      return { sha256: await publishedSha256(iso, iso.checksumUrl, env, opts), source: 'published' }
    } catch (e) {
      if (!(e instanceof LabError)) throw e
      if (!opts.insecureSkipChecksum) {
        throw new LabError(`cannot read the published checksum of ${iso.file}: ${e.message}`, {
          hint: `${os.title} is a rolling release without a pinned checksum; pass --insecure-skip-checksum to download it unverified`,
          cause: e,
        })
      }
      err.write(`warning: ${e.message}\n`)
    }
  } else if (!opts.insecureSkipChecksum) {
    throw new LabError(`no trusted SHA-256 is known for ${iso.file} (${os.id}), so it cannot be verified`, {
      hint: 'pass --insecure-skip-checksum to download it unverified anyway',
    })
  }
  err.write(`warning: ${iso.file} will NOT be verified (--insecure-skip-checksum): a damaged or altered ISO would go unnoticed\n`)
  return { source: 'unverified' }
}

async function publishedSha256(iso: IsoImage, url: string, env: NodeJS.ProcessEnv, opts: FetchIsoOptions): Promise<string> {
  const listPath = join(isoCacheDir(env), `${iso.file}.SHA256SUM`)
  await download(url, listPath, { ...(opts.signal ? { signal: opts.signal } : {}), ...opts.transfer })
  try {
    const entries = parseChecksumList(await readFile(listPath, 'utf8'))
    // A list published beside one file may name it by its dated compose name instead.
    const sha256 = (entries.find((e) => e.file === iso.file) ?? (entries.length === 1 ? entries[0] : undefined))?.sha256
    if (sha256 === undefined) throw new LabError(`the published checksum list ${url} has no SHA-256 for ${iso.file}`)
    return sha256
  } finally {
    await rm(listPath, { force: true })
  }
}
