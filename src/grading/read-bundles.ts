/**
 * Result bundles from the files and folders a teacher names: every bundle that can be read, and for every file
 * that cannot, where it is and what is wrong with it; one bad file stops none of the others.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { parseJsonText } from '../util/json-text.js'
import { BUNDLE_FORMAT, BUNDLE_SUFFIX } from './bundle.js'
import type { ResultBundle } from './result.js'

export interface ReadBundle {
  path: string
  bundle: ResultBundle
}

export interface BundleProblem {
  path: string
  problem: string
}

export interface ReadBundles {
  bundles: ReadBundle[]
  problems: BundleProblem[]
  /** The folders given, searched with their subfolders for `*.vmlab-result.json` (to say where nothing was found). */
  searched: string[]
}

const outcome = z.object({ on: z.string(), passed: z.boolean(), expected: z.string(), found: z.string() })
const check = z.object({ check: z.string(), index: z.number(), points: z.number(), passed: z.boolean(), message: z.string(), outcomes: z.array(outcome) })
const exercise = z.object({ id: z.string(), title: z.string(), score: z.number(), max: z.number(), passed: z.boolean(), checks: z.array(check) })
const isoTime = z.string().refine((s) => /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s)), { error: 'expected an ISO time such as 2026-01-31T09:30:00Z' })
const bundleShape = z.object({
  format: z.literal(BUNDLE_FORMAT),
  lab: z.string().min(1),
  labDigest: z.string(),
  student: z.string().min(1),
  tool: z.object({ name: z.literal('vmlab'), version: z.string() }),
  at: isoTime,
  exercises: z.array(exercise),
  total: z.object({ score: z.number(), max: z.number() }),
  digest: z.string(),
})

/** Files are read whatever their name; a folder gives every `*.vmlab-result.json` in it and below, in name order. */
export async function readBundles(paths: string[]): Promise<ReadBundles> {
  const out: ReadBundles = { bundles: [], problems: [], searched: [] }
  for (const path of paths) {
    let isDir: boolean
    try {
      isDir = (await stat(path)).isDirectory()
    } catch (err) {
      out.problems.push({ path, problem: notThere(err) })
      continue
    }
    if (isDir) out.searched.push(path)
    const files = isDir ? await bundleFilesIn(path, out) : [path]
    for (const file of files) {
      const read = await readBundleFile(file)
      if ('bundle' in read) out.bundles.push({ path: file, bundle: read.bundle })
      else out.problems.push({ path: file, problem: read.problem })
    }
  }
  return out
}

export async function readBundleFile(path: string): Promise<{ bundle: ResultBundle } | { problem: string }> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    return { problem: notThere(err) }
  }
  const json = parseJsonText(text)
  if (!json.ok) return { problem: json.problem }
  return shapeProblem(json.value)
}

/** The bundle as its file holds it (keys the shape does not know are kept: the digest covers them), or what is wrong. */
export function shapeProblem(value: unknown): { bundle: ResultBundle } | { problem: string } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: 'it is not a result bundle: it holds no JSON object' }
  const format = (value as { format?: unknown }).format
  if (format === undefined) return { problem: `it is not a result bundle: it has no "format": "${BUNDLE_FORMAT}"` }
  if (format !== BUNDLE_FORMAT) return { problem: `its format ${JSON.stringify(format).slice(0, 40)} is not ${BUNDLE_FORMAT}, the one this vmlab reads (a newer vmlab may have written it)` }
  const parsed = bundleShape.safeParse(value)
  if (parsed.success) return { bundle: value as ResultBundle }
  const issues = parsed.error.issues.slice(0, 3).map((i) => `${pathText(i.path)}: ${i.message}`)
  const more = parsed.error.issues.length - issues.length
  return { problem: `it is not a valid result bundle: ${issues.join('; ')}${more > 0 ? ` (and ${more} more)` : ''}` }
}

async function bundleFilesIn(dir: string, out: ReadBundles): Promise<string[]> {
  let entries: Array<{ name: string; isDirectory(): boolean; isFile(): boolean }>
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch (err) {
    out.problems.push({ path: dir, problem: notThere(err) })
    return []
  }
  const found: string[] = []
  for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name)
    // A hidden name is a write under way (writeFileAtomic's temporary file), an editor's backup or a tool's folder (.git).
    if (e.name.startsWith('.')) continue
    if (e.isDirectory()) found.push(...(await bundleFilesIn(path, out)))
    else if (e.isFile() && e.name.endsWith(BUNDLE_SUFFIX)) found.push(path)
  }
  return found
}

function pathText(path: PropertyKey[]): string {
  if (path.length === 0) return 'the bundle'
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('')
}

function notThere(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such file or folder'
  if (code === 'EACCES' || code === 'EPERM') return 'not allowed to read it'
  if (code === 'EISDIR') return 'it is a folder'
  return (err as Error).message
}
