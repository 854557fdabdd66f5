/** `lab class …`: the class file and roster read and checked here, each student's command run as its own `lab --instance`. */
import { readFile, rm, mkdir } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { loadClassFile, type ClassFile } from '../../class/class-file.js'
import { planClass, memberVms, portOffset } from '../../class/class-plan.js'
import { readClassRecord, writeClassRecord, type ClassMember, type ClassRecord } from '../../class/class-record.js'
import { forEachStudent, type StudentRun } from '../../class/per-student.js'
import { rosterOrError } from '../../class/roster.js'
import { accessSheet } from '../../class/access-sheet.js'
import { INSTANCE_FILE, INSTANCES_DIR, instanceStateDir, type InstanceSpec } from '../../lab/instance.js'
import { loadLab, type LoadedLab } from '../../lab/load.js'
import { ensureCredentials } from '../../engine/credentials.js'
import { createProvider } from '../../providers/index.js'
import type { ProviderName } from '../../lab/provider-names.js'
import { InputError, LabError } from '../../util/errors.js'
import { ensurePrivateDir, writeFileAtomic } from '../../util/files.js'
import { table } from '../table.js'
import { printJson, printResult } from '../json-output.js'

interface Opened {
  cls: ClassFile
  loaded: LoadedLab
  record: ClassRecord | undefined
}

async function open(opts: Record<string, unknown>): Promise<Opened> {
  const cls = await loadClassFile(opts.class as string | undefined)
  const loaded = await loadLab(cls.lab, { missingFilesOk: true })
  return { cls, loaded, record: await readClassRecord(loaded.stateDir) }
}

async function roster(file: string) {
  let text: string
  try {
    text = await readFile(resolve(file), 'utf8')
  } catch (err) {
    throw new InputError(
      `cannot read roster ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
      'give the class list as a CSV file: id,name,email',
    )
  }
  return rosterOrError(file, text)
}

function needRecord(o: Opened): ClassRecord {
  if (!o.record || o.record.students.length === 0) throw new InputError('no class is up for this lab', 'run `lab class up ROSTER` first')
  return o.record
}

function chosen(record: ClassRecord, student: string | undefined, all: boolean): ClassMember[] {
  if (all) return record.students
  if (student === undefined) throw new InputError('which student?', 'give a student id, or --all')
  const m = record.students.find((s) => s.id === student)
  if (!m) throw new InputError(`no student ${student} in this class`, `the class has ${record.students.map((s) => s.id).join(', ')}`)
  return [m]
}

function labArgs(o: Opened): string[] {
  return ['-f', o.cls.lab]
}

function runsTable(runs: StudentRun[]): string {
  return table(
    ['student', 'host', 'result', 'time', 'last'],
    runs.map((r) => [r.id, r.host, r.code === 0 ? 'ok' : `failed (${r.code})`, `${(r.ms / 1000).toFixed(1)} s`, r.last.slice(0, 100)]),
  )
}

/** With --json: one NDJSON line per student as its command ends (a class runs for long), before the result line. */
function studentEvent(json: boolean, text?: (r: StudentRun) => string): (r: StudentRun) => void {
  return (r) => {
    if (json) process.stdout.write(JSON.stringify({ type: 'student', ...runJson(r), time: new Date().toISOString() }) + '\n')
    else if (text) process.stderr.write(text(r))
  }
}

function runJson(r: StudentRun) {
  return { id: r.id, host: r.host, ok: r.code === 0, exitCode: r.code, elapsedMs: r.ms, last: r.last }
}

function finish(runs: StudentRun[], json = false, extra: Record<string, unknown> = {}): void {
  const failed = runs.filter((r) => r.code !== 0)
  if (json) printResult({ ok: failed.length === 0, students: runs.map(runJson), ...extra })
  else process.stdout.write(runsTable(runs) + '\n')
  if (failed.length) {
    process.stderr.write(`${failed.length} of ${runs.length} failed: ${failed.map((r) => r.id).join(', ')}; run the command again to resume them\n`)
    process.exitCode = 1
  }
}

export async function classPlanCommand(rosterFile: string, opts: Record<string, unknown>): Promise<void> {
  const o = await open(opts)
  const plan = planClass(o.cls, o.loaded.lab, await roster(rosterFile), o.record)
  if (opts.json) process.stdout.write(JSON.stringify({ lab: o.loaded.lab.name, ...plan, vms: Object.fromEntries(plan.members.map((m) => [m.id, memberVms(o.loaded.lab, m.id)])) }, null, 2) + '\n')
  else {
    process.stdout.write(
      table(
        ['student', 'name', 'host', 'network', 'VMs'],
        plan.members.map((m) => [m.id, m.name, m.host, m.cidr, memberVms(o.loaded.lab, m.id).join(' ')]),
      ) + '\n\n',
    )
    process.stdout.write(
      table(
        ['host', 'students', 'memory (MiB)', 'CPUs'],
        o.cls.hosts.map((h) => [h.name, String(plan.used[h.name]!.instances), `${plan.used[h.name]!.memory} of ${h.memory}`, `${plan.used[h.name]!.cpus} of ${h.cpus}`]),
      ) + '\n',
    )
  }
  if (plan.unplaced.length) {
    for (const u of plan.unplaced) process.stderr.write(`error: ${u.id} does not fit: ${u.reason}\n`)
    process.exitCode = 1
  }
}

export async function classUpCommand(rosterFile: string, opts: Record<string, unknown>): Promise<void> {
  const o = await open(opts)
  const plan = planClass(o.cls, o.loaded.lab, await roster(rosterFile), o.record)
  if (plan.unplaced.length) {
    throw new LabError(`${plan.unplaced.length} student${plan.unplaced.length === 1 ? '' : 's'} do not fit:\n${plan.unplaced.map((u) => `  - ${u.id}: ${u.reason}`).join('\n')}`, {
      hint: 'add a host or capacity to the class file (lab class plan shows the placement); nothing was created',
    })
  }
  // Students who left the roster keep their entry (and VMs) until `class destroy`: nothing of theirs is lost by a typo.
  const kept = (o.record?.students ?? []).filter((s) => !plan.members.some((m) => m.id === s.id))
  await writeClassRecord(o.loaded.stateDir, { version: 1, classFile: o.cls.path, students: [...plan.members, ...kept] })
  for (const m of plan.members) {
    const dir = instanceStateDir(o.loaded.stateDir, m.id)
    await ensurePrivateDir(dir)
    // The host's provider and connection go with the instance: every later command of it (status, reset, …) reaches that host.
    const host = o.cls.hosts.find((h) => h.name === m.host)!
    const spec: InstanceSpec = { id: m.id, cidr: m.cidr, portOffset: portOffset(m.index), provider: host.provider, ...(host.connection !== undefined ? { connection: host.connection } : {}) }
    await writeFileAtomic(join(dir, INSTANCE_FILE), JSON.stringify(spec, null, 2) + '\n', 0o600)
  }
  const iso = typeof opts.iso === 'string' ? ['--iso', resolve(opts.iso)] : []
  const runs = await forEachStudent(
    plan.members,
    o.cls.concurrency,
    // The host's provider comes from the instance.json written above, as for every later command of the student.
    () => ['up', ...labArgs(o), ...iso],
    studentEvent(Boolean(opts.json), (r) => `${r.id} (${r.host}): ${r.code === 0 ? 'up' : `failed: ${r.last}`}\n`),
  )
  finish(runs, Boolean(opts.json))
}

interface StudentStatus {
  id: string
  name: string
  host: string
  network: string
  nodes: number
  running: number
  score?: ClassMember['score']
  error?: string
}

export async function classStatusCommand(opts: Record<string, unknown>): Promise<void> {
  const o = await open(opts)
  const record = needRecord(o)
  const runs = await forEachStudent(record.students, o.cls.concurrency, () => ['status', ...labArgs(o), '--json'])
  const rows: StudentStatus[] = record.students.map((m, i) => {
    const r = runs[i]!
    const row: StudentStatus = { id: m.id, name: m.name, host: m.host, network: m.cidr, nodes: o.loaded.lab.nodes.length, running: 0, ...(m.score ? { score: m.score } : {}) }
    if (r.code !== 0) return { ...row, error: r.last }
    const s = JSON.parse(r.stdout) as { nodes: Array<{ state: string }> }
    return { ...row, running: s.nodes.filter((n) => n.state === 'running').length }
  })
  if (opts.json) process.stdout.write(JSON.stringify({ lab: o.loaded.lab.name, students: rows }, null, 2) + '\n')
  else
    process.stdout.write(
      table(
        ['student', 'host', 'network', 'running', 'last score'],
        rows.map((r) => [r.id, r.host, r.network, r.error ? `? (${r.error.slice(0, 60)})` : `${r.running}/${r.nodes}`, r.score ? `${r.score.score}/${r.score.max}` : '-']),
      ) + '\n',
    )
}

export async function classCheckCommand(opts: Record<string, unknown>): Promise<void> {
  const o = await open(opts)
  const record = needRecord(o)
  const out = resolve((opts.out as string | undefined) ?? join(o.loaded.stateDir, INSTANCES_DIR, 'results'))
  await mkdir(out, { recursive: true, mode: 0o700 })
  const json = Boolean(opts.json)
  const runs = await forEachStudent(record.students, o.cls.concurrency, (m) => ['submit', ...labArgs(o), '--student', m.email, '--out', out, '--json'], studentEvent(json))
  const at = new Date().toISOString()
  record.students.forEach((m, i) => {
    const r = runs[i]!
    if (r.code === 0) m.score = { ...(JSON.parse(r.stdout) as { total: { score: number; max: number } }).total, at }
  })
  await writeClassRecord(o.loaded.stateDir, record)
  const failed = runs.filter((r) => r.code !== 0)
  for (const r of failed) process.stderr.write(`${r.id}: lab check failed: ${r.last}\n`)
  if (failed.length < runs.length && !json) {
    const { gradeCommand } = await import('./grade.js')
    const grade: { csv?: string; html?: string } = {}
    if (typeof opts.csv === 'string') grade.csv = opts.csv
    if (typeof opts.html === 'string') grade.html = opts.html
    await gradeCommand([out], grade, '')
  }
  if (json) {
    // The grade book as `lab grade --json` gives it would be a second document: the scores travel in the result line, the files are still written.
    if (failed.length < runs.length && (typeof opts.csv === 'string' || typeof opts.html === 'string')) await writeGradeFiles(out, opts)
    printResult({
      ok: failed.length === 0,
      results: out,
      students: record.students.map((m, i) => ({ ...runJson(runs[i]!), ...(m.score ? { score: m.score } : {}) })),
    })
  }
  if (failed.length) process.exitCode = 1
}

async function writeGradeFiles(out: string, opts: Record<string, unknown>): Promise<void> {
  const { readBundles } = await import('../../grading/read-bundles.js')
  const { gradeBook } = await import('../../grading/grade.js')
  const book = gradeBook((await readBundles([out])).bundles)
  if (typeof opts.csv === 'string') await writeFileAtomic(resolve(opts.csv), (await import('../../grading/grade-csv.js')).gradeCsv(book), 0o600)
  if (typeof opts.html === 'string')
    await writeFileAtomic(resolve(opts.html), (await import('../../grading/grade-html.js')).gradeHtml(book, { made: `Made by vmlab on ${new Date().toISOString()}.` }), 0o600)
}

export async function classStartCommand(exercise: string, student: string | undefined, opts: Record<string, unknown>): Promise<void> {
  const o = await open(opts)
  const json = Boolean(opts.json)
  finish(await forEachStudent(chosen(needRecord(o), student, Boolean(opts.all)), o.cls.concurrency, (m) => ['start', exercise, ...labArgs(o), '--student', m.email], studentEvent(json)), json, {
    exercise,
  })
}

export async function classResetCommand(student: string | undefined, opts: Record<string, unknown>): Promise<void> {
  const o = await open(opts)
  const json = Boolean(opts.json)
  finish(await forEachStudent(chosen(needRecord(o), student, Boolean(opts.all)), o.cls.concurrency, () => ['reset', ...labArgs(o)], studentEvent(json)), json)
}

export async function classAccessCommand(student: string, opts: Record<string, unknown>): Promise<void> {
  const o = await open(opts)
  const [m] = chosen(needRecord(o), student, false)
  // Only this student's instance is loaded: the sheet cannot hold another's key, nor the class file's host logins.
  const mine = await loadLab(o.cls.lab, { missingFilesOk: true, instance: m!.id })
  // The hypervisor's own login for them (a Proxmox VE user), read from their instance's state only.
  const host = o.cls.hosts.find((h) => h.name === m!.host)
  const provider = host ? await createProvider(host.provider as ProviderName, { stateDir: mine.stateDir, lab: mine.lab }) : undefined
  const console = (await provider?.consoleAccess?.()) ?? []
  const sheet = accessSheet(mine.lab, await ensureCredentials(mine), m!, { ...(o.cls.jump ? { jump: o.cls.jump } : {}), ...(console.length ? { console } : {}) })
  if (typeof opts.out !== 'string') {
    if (opts.json) printJson({ student: m!.id, text: sheet.text, files: sheet.files })
    else process.stdout.write(sheet.text)
    return
  }
  const dir = resolve(opts.out, m!.id)
  await ensurePrivateDir(dir)
  for (const [name, text] of Object.entries(sheet.files)) await writeFileAtomic(join(dir, name), text, 0o600)
  if (opts.json) printJson({ student: m!.id, dir, files: Object.keys(sheet.files).map((name) => join(dir, name)) })
  else process.stderr.write(`wrote ${dir}/: ${Object.keys(sheet.files).join(', ')}\n`)
}

export async function classDestroyCommand(opts: Record<string, unknown>): Promise<void> {
  const o = await open(opts)
  const record = needRecord(o)
  const json = Boolean(opts.json)
  const runs = await forEachStudent(record.students, o.cls.concurrency, () => ['destroy', ...labArgs(o), '--force', '--purge'], studentEvent(json))
  const gone = new Set(runs.filter((r) => r.code === 0).map((r) => r.id))
  for (const id of gone) await rm(instanceStateDir(o.loaded.stateDir, id), { recursive: true, force: true })
  const left = record.students.filter((s) => !gone.has(s.id))
  await writeClassRecord(o.loaded.stateDir, { ...record, students: left })
  finish(runs, json)
}
