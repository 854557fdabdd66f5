import { createHash, type Hash } from 'node:crypto'
import { createReadStream } from 'node:fs'

const SHA256_HEX = /^[0-9a-f]{64}$/

export function isSha256Hex(text: string): boolean {
  return SHA256_HEX.test(text)
}

/**
 * Feeds a file into `hash` without holding it in memory (ISOs are gigabytes). Returns the number
 * of bytes read, so a caller that resumes a download knows where the hash stands.
 */
export async function hashFileInto(hash: Hash, path: string, opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<number> {
  let total = 0
  const stream = createReadStream(path, { highWaterMark: 1 << 20, ...(opts.signal ? { signal: opts.signal } : {}) })
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk)
    total += chunk.length
    opts.onBytes?.(chunk.length)
  }
  return total
}

/** Streaming SHA-256 of a file, lower-case hex. */
export async function sha256File(path: string, opts: { signal?: AbortSignal; onBytes?: (n: number) => void } = {}): Promise<string> {
  const hash = createHash('sha256')
  await hashFileInto(hash, path, opts)
  return hash.digest('hex')
}

/**
 * The entries of a published checksum list. Projects use both layouts: BSD tags
 * (`SHA256 (name) = hex`: Rocky, Alma, Stream, often PGP-signed and with `# name: N bytes`
 * comments) and GNU coreutils (`hex  name` or `hex *name`: CentOS 7's sha256sum.txt).
 */
export function parseChecksumList(text: string): { file: string; sha256: string }[] {
  const entries: { file: string; sha256: string }[] = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    const bsd = /^SHA256 \((.+)\) = ([0-9a-fA-F]{64})$/.exec(line)
    const gnu = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line)
    if (bsd) entries.push({ file: bsd[1]!, sha256: bsd[2]!.toLowerCase() })
    else if (gnu) entries.push({ file: gnu[2]!, sha256: gnu[1]!.toLowerCase() })
  }
  return entries
}
