import { createHash, type Hash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import http, { type IncomingMessage } from 'node:http'
import https from 'node:https'
import { basename, dirname } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { LabError } from '../util/errors.js'
import { hashFileInto } from './checksum.js'
import { acquireFileLock } from '../state/lock.js'

export interface DownloadProgress {
  /** Bytes in the file so far, including what an earlier attempt left. */
  received: number
  /** Size of the whole file when the server said it. */
  total: number | undefined
  /** Where this transfer started (0, or the size of the partial file it resumed). */
  resumedFrom: number
}

export interface DownloadOptions {
  /** Expected SHA-256 (hex). When given, `dest` only appears if the content matches it. */
  sha256?: string
  onProgress?: (p: DownloadProgress) => void
  signal?: AbortSignal
  /** A connection that sends nothing for this long is dropped (and resumed). Default 30 s. */
  stallTimeoutMs?: number
  /** How many times a dropped or stalled transfer is resumed before giving up. Default 3. */
  retries?: number
  /** Pause before resuming, multiplied by the attempt number. Default 1 s. */
  retryDelayMs?: number
}

export interface DownloadResult {
  path: string
  sha256: string
  bytes: number
  /** The URL the content came from, after redirects. */
  url: string
}

const MAX_REDIRECTS = 10

/**
 * Downloads `url` to `dest` through `dest.part`, resuming a partial file with an HTTP Range
 * request, and renames it into place only once its SHA-256 is known (and matches `sha256`).
 */
export async function download(url: string, dest: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  await mkdir(dirname(dest), { recursive: true })
  const unlock = await lock(`${dest}.lock`, dest)
  try {
    const retries = opts.retries ?? 3
    for (let attempt = 0; ; attempt++) {
      try {
        return await attemptDownload(url, dest, opts)
      } catch (err) {
        if (!(err instanceof TransferLost)) throw err
        if (attempt >= retries || opts.signal?.aborted) {
          throw new LabError(err.message, { hint: 'run the same command again to resume: the partial download is kept', cause: err })
        }
        await sleep((opts.retryDelayMs ?? 1000) * (attempt + 1), opts.signal)
      }
    }
  } finally {
    await unlock()
  }
}

/** Another process holds the file's lock: trying another URL would not help. */
export class DownloadBusyError extends LabError {}

/** A transfer that broke off part way: worth resuming. */
class TransferLost extends Error {}

interface PartMeta {
  url: string
  validator?: string
}

async function attemptDownload(url: string, dest: string, opts: DownloadOptions): Promise<DownloadResult> {
  const part = `${dest}.part`
  const metaPath = `${dest}.part.json`
  let offset = await sizeOf(part)
  const hash = createHash('sha256')
  // Hashing what we already have before asking for the rest keeps the hash streaming; the cost
  // is wasted only when the server then ignores the Range request.
  if (offset > 0) await hashFileInto(hash, part, opts.signal ? { signal: opts.signal } : {})

  const headers: Record<string, string> = { 'user-agent': 'vmlab', 'accept-encoding': 'identity' }
  if (offset > 0) {
    headers.range = `bytes=${offset}-`
    const meta = await readMeta(metaPath)
    // If-Range makes the server send the whole (new) file when it changed since the part was
    // written, as a rolling release's "latest" image does.
    if (meta?.url === url && meta.validator) headers['if-range'] = meta.validator
  }

  const { res, finalUrl, stalled } = await get(url, headers, opts)
  const range = parseContentRange(res.headers['content-range'])

  if (res.statusCode === 416) {
    res.resume()
    if (offset > 0 && range?.total === offset) return finish(hash, offset, finalUrl, dest, opts)
    // The part is longer than the file or otherwise unusable: start over.
    await rm(part, { force: true })
    if (offset === 0) throw new LabError(`the server refused the request (HTTP 416): ${finalUrl}`)
    return attemptDownload(url, dest, opts)
  }

  const fresh = res.statusCode === 200
  if (res.statusCode === 206 && range?.start !== offset) {
    res.destroy()
    await rm(part, { force: true })
    return attemptDownload(url, dest, opts)
  }
  if (fresh) {
    // A 200 answer to a Range request is the whole file again (the server ignores Range, or
    // If-Range saw a change): drop what we had.
    offset = 0
    await writeMeta(metaPath, { url, ...validatorOf(res) })
  }
  const fileHash = fresh ? createHash('sha256') : hash
  const total = fresh ? contentLength(res) : range?.total
  let received = offset
  const progress = (): void => opts.onProgress?.({ received, total, resumedFrom: offset })
  progress()

  try {
    await pipeline(
      res,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          fileHash.update(chunk)
          received += chunk.length
          progress()
          yield chunk
        }
      },
      createWriteStream(part, { flags: fresh ? 'w' : 'a' }),
    )
  } catch (err) {
    if (opts.signal?.aborted) throw abortError(finalUrl, err)
    if (isLocalFileError(err)) throw new LabError(`cannot write ${part}: ${(err as Error).message}`, { cause: err })
    throw lostError(finalUrl, received, total, stalled(), opts)
  }
  if (total !== undefined && received < total) throw lostError(finalUrl, received, total, false, opts)
  return finish(fileHash, received, finalUrl, dest, opts)
}

async function finish(hash: Hash, bytes: number, url: string, dest: string, opts: DownloadOptions): Promise<DownloadResult> {
  const part = `${dest}.part`
  const got = hash.digest('hex')
  const expected = opts.sha256?.toLowerCase()
  if (expected !== undefined && expected !== got) {
    await rm(part, { force: true })
    await rm(`${dest}.part.json`, { force: true })
    throw new LabError(`checksum mismatch for ${basename(dest)} from ${url}: expected sha256 ${expected}, got ${got}; the downloaded file was removed`, {
      hint: 'the server sent a different or damaged file: try again, or another mirror',
    })
  }
  await rename(part, dest)
  await rm(`${dest}.part.json`, { force: true })
  return { path: dest, sha256: got, bytes, url }
}

interface Response {
  res: IncomingMessage
  finalUrl: string
  /** True once the stall timer fired: the error that follows is a stall, not a reset. */
  stalled: () => boolean
}

/** GET with redirects followed by hand, so that Range and the stall timer survive them. */
async function get(url: string, headers: Record<string, string>, opts: DownloadOptions, hops = 0): Promise<Response> {
  const target = parseUrl(url)
  const stallMs = opts.stallTimeoutMs ?? 30_000
  let stalledFlag = false
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const client = target.protocol === 'https:' ? https : http
    // agent: false gives a connection of its own, closed after the transfer (no idle keep-alive).
    const req = client.get(target, { headers, agent: false, ...(opts.signal ? { signal: opts.signal } : {}) }, resolve)
    req.setTimeout(stallMs, () => {
      stalledFlag = true
      req.destroy(new TransferLost(`no data from ${url} for ${seconds(stallMs)} s: the connection stalled`))
    })
    req.on('error', (err) => reject(opts.signal?.aborted ? abortError(url, err) : connectError(url, target, err)))
  })
  const status = res.statusCode ?? 0
  if (status >= 300 && status < 400 && res.headers.location) {
    res.resume()
    if (hops >= MAX_REDIRECTS) throw new LabError(`too many redirects (more than ${MAX_REDIRECTS}) from ${url}`)
    return get(new URL(res.headers.location, target).toString(), headers, opts, hops + 1)
  }
  if (status !== 200 && status !== 206 && status !== 416) {
    res.resume()
    const text = `${status} ${res.statusMessage ?? ''}`.trim()
    if (status >= 500) throw new TransferLost(`the server answered HTTP ${text}: ${url}`)
    throw new LabError(`download failed with HTTP ${text}: ${url}`, status === 404 ? { hint: 'the file is not at that address: check the URL or use another mirror' } : {})
  }
  return { res, finalUrl: url, stalled: () => stalledFlag }
}

function parseUrl(url: string): URL {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new LabError(`not a valid URL: ${url}`)
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new LabError(`only http and https downloads are supported, not ${parsed.protocol} (${url})`)
  }
  return parsed
}

function connectError(url: string, target: URL, err: unknown): Error {
  if (err instanceof TransferLost) return err
  const code = (err as NodeJS.ErrnoException).code
  const port = target.port || (target.protocol === 'https:' ? '443' : '80')
  switch (code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new LabError(`cannot resolve host '${target.hostname}' (${url})`, {
        hint: 'check the network connection and DNS, or use a mirror you can reach',
        cause: err,
      })
    case 'ECONNREFUSED':
      return new LabError(`connection refused by ${target.hostname}:${port} (${url})`, { cause: err })
    case 'ECONNRESET':
    case 'ETIMEDOUT':
    case 'EPIPE':
      return new TransferLost(`connection to ${target.hostname}:${port} failed (${code}): ${url}`)
    default:
      return new LabError(`cannot download ${url}: ${(err as Error).message}`, { cause: err })
  }
}

/** Errors of our side of the copy (disk full, permissions): resuming would not help. */
function isLocalFileError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? ''
  return ['ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'EISDIR', 'ENOENT'].includes(code)
}

function lostError(url: string, received: number, total: number | undefined, stalled: boolean, opts: DownloadOptions): Error {
  const got = `${mb(received)}${total === undefined ? '' : ` of ${mb(total)}`}`
  if (stalled) {
    return new TransferLost(`no data from ${url} for ${seconds(opts.stallTimeoutMs ?? 30_000)} s after ${got}: the connection stalled`)
  }
  return new TransferLost(`connection lost after ${got}: ${url}`)
}

function abortError(url: string, cause: unknown): LabError {
  return new LabError(`download of ${url} was interrupted`, { hint: 'run the same command again to resume', cause })
}

function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(1)))
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`
}

function contentLength(res: IncomingMessage): number | undefined {
  const n = Number(res.headers['content-length'])
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

// `bytes 100-199/1000` gives start 100 and total 1000; a 416 answer's `bytes *` + `/1000` gives the total only.
function parseContentRange(header: string | undefined): { start?: number; total?: number } | undefined {
  if (header === undefined) return undefined
  const m = /^bytes (?:(\d+)-\d+|\*)\/(\d+|\*)$/.exec(header.trim())
  if (!m) return undefined
  return {
    ...(m[1] !== undefined ? { start: Number(m[1]) } : {}),
    ...(m[2] !== '*' ? { total: Number(m[2]) } : {}),
  }
}

function validatorOf(res: IncomingMessage): { validator?: string } {
  const etag = res.headers.etag
  // If-Range needs a strong validator: weak ETags may not be used with it.
  if (etag && !etag.startsWith('W/')) return { validator: etag }
  const modified = res.headers['last-modified']
  return modified ? { validator: modified } : {}
}

async function readMeta(path: string): Promise<PartMeta | undefined> {
  try {
    const data = JSON.parse(await readFile(path, 'utf8')) as PartMeta
    return typeof data.url === 'string' ? data : undefined
  } catch {
    return undefined
  }
}

async function writeMeta(path: string, meta: PartMeta): Promise<void> {
  await writeFile(path, JSON.stringify(meta))
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch {
    return 0
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => {
      clearTimeout(timer)
      resolve()
    })
  })
}

/**
 * Two `lab` processes appending to one `.part` would corrupt it (two labs of a class can start at once), so the
 * download holds the lab lock's kind of lock file (state/lock.ts); a lock whose process is gone is taken over.
 */
async function lock(path: string, dest: string): Promise<() => Promise<void>> {
  const held = await acquireFileLock(
    path,
    `download of ${basename(dest)}`,
    (holder) =>
      new DownloadBusyError(`${basename(dest)} is being downloaded by another lab process (pid ${holder.pid})`, {
        hint: `wait for it to finish, then run the command again (if no lab process is running, delete ${path})`,
      }),
  )
  return () => held.release()
}
