import { OS_CATALOG, OS_IDS } from '../../lab/os-catalog.js'
import { LabError } from '../../util/errors.js'
import { printJson, printResult } from '../json-output.js'
import { fetchIso } from '../../media/fetch-iso.js'
import type { ProgressStream } from '../../media/download-progress.js'
import { cachedIso, cacheState, isoCacheDir, isoCachePath, type CacheState } from '../../media/iso-cache.js'
import { osWithIsos, pickIso } from '../../media/iso-select.js'

/** The bodies of `lab iso fetch|list|path`: results on stdout, progress and warnings on stderr. */

export async function runIsoFetch(
  os: string,
  opts: { mirror?: string; kind?: string; insecureSkipChecksum?: boolean; arch?: 'x86_64' | 'aarch64'; json?: boolean },
  stderr: ProgressStream,
): Promise<void> {
  const result = await fetchIso(os, {
    stderr,
    ...(opts.arch !== undefined ? { arch: opts.arch } : {}),
    ...(opts.mirror !== undefined ? { mirror: opts.mirror } : {}),
    ...(opts.kind !== undefined ? { kind: opts.kind } : {}),
    insecureSkipChecksum: opts.insecureSkipChecksum === true,
  })
  // The download's progress stays on stderr (a bar redrawn in place): stdout has the result line only.
  if (opts.json) printResult({ os, kind: result.iso.kind, file: result.iso.file, path: result.path, downloaded: result.downloaded, sha256: result.iso.sha256 || null })
  else process.stdout.write(`${result.path}\n`)
}

export async function runIsoPath(os: string, opts: { kind?: string; arch?: 'x86_64' | 'aarch64'; json?: boolean }): Promise<void> {
  const info = osWithIsos(os, opts.arch)
  const kind = opts.kind !== undefined ? pickIso(info, opts.kind).kind : undefined
  const path = await cachedIso(info.id, { arch: info.arch, ...(kind !== undefined ? { kind } : {}) })
  if (path === undefined) {
    throw new LabError(`no verified ${kind ? `${kind} ` : ''}ISO of ${os} in the cache (${isoCacheDir()})`, {
      hint: `download it with: lab iso fetch ${os}${kind ? ` --kind ${kind}` : ''}${info.arch === 'aarch64' ? ' --arch aarch64' : ''}`,
    })
  }
  if (opts.json) printJson({ os: info.id, kind: kind ?? null, path })
  else process.stdout.write(`${path}\n`)
}

export async function runIsoList(opts: { json?: boolean }): Promise<void> {
  const rows = []
  for (const id of OS_IDS) {
    for (const iso of OS_CATALOG[id].isos) {
      rows.push({ os: id, kind: iso.kind, file: iso.file, state: await cacheState(iso), path: isoCachePath(iso), iso })
    }
  }
  if (opts.json) {
    const out = rows.map((r) => ({
      os: r.os,
      kind: r.kind,
      file: r.file,
      sha256: r.iso.sha256 || null,
      urls: r.iso.urls,
      cache: r.state,
      path: r.path,
    }))
    process.stdout.write(`${JSON.stringify({ cacheDir: isoCacheDir(), isos: out }, null, 2)}\n`)
    return
  }
  const table = [['OS', 'KIND', 'FILE', 'CACHE'], ...rows.map((r) => [r.os, r.kind, r.file, describeState(r.state)])]
  const widths = [0, 1, 2].map((c) => Math.max(...table.map((row) => row[c]!.length)))
  for (const row of table) {
    process.stdout.write(`${row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell)).join('  ')}\n`)
  }
  process.stdout.write(`\ncache: ${isoCacheDir()}\n`)
}

function describeState(s: CacheState): string {
  switch (s.state) {
    case 'absent':
      return '-'
    case 'partial':
      return `partial (${(s.bytes / 1e6).toFixed(1)} MB, lab iso fetch resumes it)`
    case 'unchecked':
      return 'cached, checksum not checked yet'
    case 'verified':
      return s.source === 'unverified' ? 'cached, UNVERIFIED' : 'cached'
    case 'mismatch':
      return 'cached, CHECKSUM MISMATCH'
  }
}
