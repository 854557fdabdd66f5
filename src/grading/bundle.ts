/**
 * The result bundle `lab submit` writes and `lab grade` reads: made, sealed with a digest, checked, cleaned of
 * secrets, written to a file.
 *
 * What the digest is for, honestly: it tells a teacher that a bundle was changed after vmlab wrote it (a score
 * edited by hand, a check's result flipped in an editor). It is no signature: the code that computes it is
 * public, so a student who runs the same code on a made-up bundle gets a digest that matches. Catching that
 * needs the teacher to run the checks themselves (or a key the student does not have).
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { writeFileAtomic } from '../util/files.js'
import { redact as redactText } from '../util/run.js'
import { canonicalJson } from './canonical-json.js'
import { scoreOf, type ExerciseResult, type ResultBundle } from './result.js'

export const BUNDLE_FORMAT = 'vmlab-result/1'
/** How a bundle's file name ends: what `lab grade DIR` looks for. */
export const BUNDLE_SUFFIX = '.vmlab-result.json'

/** What the caller knows; `format` may be left out, `total` and `digest` are computed. */
export type BundleFields = Omit<ResultBundle, 'format' | 'total' | 'digest'> & { format?: ResultBundle['format'] }

export function makeBundle(fields: BundleFields): ResultBundle {
  const { format: _format, ...rest } = fields
  const unsealed: Omit<ResultBundle, 'digest'> = { ...rest, format: BUNDLE_FORMAT, total: totalOf(fields.exercises) }
  return { ...unsealed, digest: bundleDigest(unsealed) }
}

/** sha256 (hex) of the canonical JSON of everything in the bundle but its digest. */
export function bundleDigest(bundle: Omit<ResultBundle, 'digest'> | ResultBundle): string {
  const { digest: _digest, ...rest } = bundle as ResultBundle
  return createHash('sha256').update(canonicalJson(rest)).digest('hex')
}

export function verifyBundle(bundle: ResultBundle): { ok: true } | { ok: false; why: string } {
  if (bundle.format !== BUNDLE_FORMAT) return { ok: false, why: `its format is ${JSON.stringify(bundle.format)}, not ${BUNDLE_FORMAT}` }
  if (bundleDigest(bundle) !== bundle.digest) return { ok: false, why: 'its digest does not match its contents: it was changed after lab submit wrote it' }
  // Only a bundle whose digest was made again after an edit gets past here with a wrong sum.
  for (const e of bundle.exercises) {
    const { score, max } = scoreOf(e.checks)
    if (score !== e.score || max !== e.max) return { ok: false, why: `exercise ${e.id} scores ${e.score}/${e.max}, but its checks give ${score}/${max}` }
  }
  const total = totalOf(bundle.exercises)
  if (total.score !== bundle.total.score || total.max !== bundle.total.max)
    return { ok: false, why: `its total ${bundle.total.score}/${bundle.total.max} is not the sum of its exercises (${total.score}/${total.max})` }
  return { ok: true }
}

/**
 * The bundle with every secret replaced by *** in what its checks say (a node's output in `found` can hold a
 * password it printed), sealed again. Run before the bundle leaves the lab; the digest then covers the redacted text.
 */
export function redact(bundle: ResultBundle, secrets: string[]): ResultBundle {
  const clean = (s: string) => redactText(s, secrets)
  const exercises = bundle.exercises.map((e) => ({
    ...e,
    title: clean(e.title),
    checks: e.checks.map((c) => ({
      ...c,
      check: clean(c.check),
      message: clean(c.message),
      outcomes: c.outcomes.map((o) => ({ ...o, on: clean(o.on), expected: clean(o.expected), found: clean(o.found) })),
    })),
  }))
  const { total: _total, digest: _digest, ...fields } = bundle
  return makeBundle({ ...fields, exercises })
}

/** `<lab>-<student>-<yyyymmddThhmmss>.vmlab-result.json`, in UTC; what is not safe in a file name becomes '_'. */
export function bundleFileName(bundle: Pick<ResultBundle, 'lab' | 'student' | 'at'>): string {
  const at = new Date(bundle.at)
  const stamp = (Number.isNaN(at.getTime()) ? new Date() : at).toISOString().replace(/[-:]/g, '').slice(0, 15)
  return `${safeNamePart(bundle.lab)}-${safeNamePart(bundle.student)}-${stamp}${BUNDLE_SUFFIX}`
}

/**
 * Writes the bundle into `dir` (made 0700 when missing) as a file only its owner reads, atomically: a teacher's
 * collecting script never picks up half a bundle. Returns the file's path.
 */
export async function writeBundle(dir: string, bundle: ResultBundle): Promise<string> {
  const path = join(dir, bundleFileName(bundle))
  await writeFileAtomic(path, JSON.stringify(bundle, null, 2) + '\n', 0o600)
  return path
}

function totalOf(exercises: ExerciseResult[]): { score: number; max: number } {
  return exercises.reduce((t, e) => ({ score: t.score + e.score, max: t.max + e.max }), { score: 0, max: 0 })
}

/** A student id is often an e-mail address: letters, digits, '.', '_', '@' and '-' stay; a path separator never does. */
function safeNamePart(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._@-]/g, '_').replace(/^\.+/, '_')
  return safe.length > 0 ? safe.slice(0, 80) : '_'
}
