/**
 * The grade book: from the bundles a teacher collected, one row per student and lab (the latest bundle counts,
 * older ones are counted), one column per exercise, and flags for what a teacher should look at before trusting
 * a row. The renderers (terminal, CSV, HTML) only lay it out.
 */
import type { CheckOutcome } from '../checks/check.js'
import { verifyBundle } from './bundle.js'
import type { ReadBundle } from './read-bundles.js'

/**
 * - `edited`: the bundle's digest does not match its contents (changed after `lab submit` wrote it).
 * - `other lab file`: made from a lab file other than the one most students of this lab used.
 */
export type GradeFlag = 'edited' | 'other lab file'

export interface GradeColumn {
  id: string
  title: string
  max: number
}

export interface GradeCell {
  score: number
  max: number
  passed: boolean
}

export interface FailingCheck {
  exercise: string
  exerciseTitle: string
  check: string
  index: number
  points: number
  message: string
  outcomes: CheckOutcome[]
}

export interface GradeRow {
  student: string
  /** The bundle that counts: the student's latest for this lab. */
  path: string
  at: string
  /** How many bundles of this student for this lab were read (the one that counts included). */
  bundles: number
  labDigest: string
  /** By exercise id; an exercise the bundle does not hold has no cell. */
  cells: Record<string, GradeCell>
  /** As the bundle states it. */
  total: { score: number; max: number }
  flags: GradeFlag[]
  /** Why each flag was raised, in words. */
  notes: string[]
  failing: FailingCheck[]
}

export interface LabGrades {
  lab: string
  /** The lab file most rows were made from. */
  labDigest: string
  /** Every lab file seen, with how many rows were made from it: more than one calls for a look. */
  labDigests: Array<{ digest: string; rows: number }>
  columns: GradeColumn[]
  rows: GradeRow[]
}

export interface GradeBook {
  labs: LabGrades[]
}

export function gradeBook(read: ReadBundle[]): GradeBook {
  const byLab = groupBy(read, (r) => r.bundle.lab)
  return { labs: [...byLab.keys()].sort(byText).map((lab) => labGrades(lab, byLab.get(lab)!)) }
}

function labGrades(lab: string, read: ReadBundle[]): LabGrades {
  const byStudent = groupBy(read, (r) => r.bundle.student)
  const latest = [...byStudent.values()].map((all) => ({ counts: all.reduce((a, b) => (isLater(b, a) ? b : a)), bundles: all.length }))
  const labDigests = majorityFirst(latest.map((l) => l.counts))
  const labDigest = labDigests[0]!.digest
  const rows = latest.map(({ counts, bundles }) => row(counts, bundles, labDigest)).sort((a, b) => byText(a.student, b.student))
  // The columns come from the lab file most used, in its order; exercises only others hold follow.
  const columns: GradeColumn[] = []
  const ordered = [...latest.filter((l) => l.counts.bundle.labDigest === labDigest), ...latest.filter((l) => l.counts.bundle.labDigest !== labDigest)]
  for (const { counts } of ordered) for (const e of counts.bundle.exercises) if (!columns.some((c) => c.id === e.id)) columns.push({ id: e.id, title: e.title, max: e.max })
  return { lab, labDigest, labDigests, columns, rows }
}

function row(r: ReadBundle, bundles: number, labDigest: string): GradeRow {
  const b = r.bundle
  const flags: GradeFlag[] = []
  const notes: string[] = []
  const verified = verifyBundle(b)
  if (!verified.ok) {
    flags.push('edited')
    notes.push(`edited: ${verified.why}`)
  }
  if (b.labDigest !== labDigest) {
    flags.push('other lab file')
    notes.push(`other lab file: made from a lab file (sha256 ${b.labDigest.slice(0, 12)}) other than the one most students used (${labDigest.slice(0, 12)})`)
  }
  const cells: Record<string, GradeCell> = {}
  for (const e of b.exercises) cells[e.id] = { score: e.score, max: e.max, passed: e.passed }
  const failing = b.exercises.flatMap((e) =>
    e.checks.filter((c) => !c.passed).map((c) => ({ exercise: e.id, exerciseTitle: e.title, check: c.check, index: c.index, points: c.points, message: c.message, outcomes: c.outcomes })),
  )
  return { student: b.student, path: r.path, at: b.at, bundles, labDigest: b.labDigest, cells, total: { ...b.total }, flags, notes, failing }
}

/** The later of two bundles by their time; the same time: the later path, so the choice does not depend on the order given. */
function isLater(a: ReadBundle, than: ReadBundle): boolean {
  const d = Date.parse(a.bundle.at) - Date.parse(than.bundle.at)
  return d !== 0 ? d > 0 : a.path > than.path
}

/** Lab digests by how many rows hold them; a tie goes to the one with the latest bundle. */
function majorityFirst(latest: ReadBundle[]): Array<{ digest: string; rows: number }> {
  const seen = new Map<string, { digest: string; rows: number; newest: ReadBundle }>()
  for (const r of latest) {
    const s = seen.get(r.bundle.labDigest)
    if (s === undefined) seen.set(r.bundle.labDigest, { digest: r.bundle.labDigest, rows: 1, newest: r })
    else {
      s.rows++
      if (isLater(r, s.newest)) s.newest = r
    }
  }
  return [...seen.values()].sort((a, b) => b.rows - a.rows || (isLater(a.newest, b.newest) ? -1 : 1)).map(({ digest, rows }) => ({ digest, rows }))
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const item of items) {
    const k = key(item)
    const list = out.get(k)
    if (list) list.push(item)
    else out.set(k, [item])
  }
  return out
}

/** By code units: the same order on every machine and locale. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
