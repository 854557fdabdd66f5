/**
 * Fuzzing the lab-file reader with mutations of the shipped labs: whatever a teacher's editor (or a cat on
 * the keyboard) makes of a lab file, `lab` answers with located problems (LabFileError, every problem at a
 * line and column inside the file, with a fix) or a lab that the kickstart renderer then takes as it is.
 * Never a crash, never "a bug in vmlab", and reading a lab writes nothing. The seed is fixed: a failure names
 * the case and its mutations, and reproduces.
 */
import t from 'tap'
import { cpSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseLab } from '../../src/lab/load.js'
import { LabFileError } from '../../src/lab/problems.js'
import type { ResolvedLab } from '../../src/lab/resolve.js'
import { kickstartInput } from '../../src/engine/kickstart-input.js'
import type { LabCredentials } from '../../src/engine/credentials.js'
import { renderKickstart } from '../../src/kickstart/render.js'
import { lab, ROOT } from '../helpers/cli.js'
import { snapshotTree } from '../helpers/tree.js'
import { tempDir } from '../helpers/temp-dir.js'
import { mutate } from '../helpers/lab-mutations.js'

const SEED = 0x5eed_14
const IN_PROCESS = 600
const THROUGH_CLI = 50

/** Where a problem may point: a line of the file (1-based) and a column at most one past its end. */
function inside(text: string, line: number | undefined, col: number | undefined): boolean {
  const ls = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).split('\n')
  return Number.isInteger(line) && Number.isInteger(col) && line! >= 1 && line! <= ls.length && col! >= 1 && col! <= ls[line! - 1]!.length + 1
}

const CREDS = {
  secrets: { rootPasswordHash: `$6$fuzzsalt$${'a'.repeat(86)}`, userPasswordHash: `$6$fuzzsalt$${'b'.repeat(86)}` },
  publicKey: `ssh-ed25519 ${Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]).toString('base64')} fuzz`,
} as unknown as LabCredentials

/** A lab that passed validation renders a kickstart for its base and every node (EL labs): one rule, both places. */
function renders(lab: ResolvedLab): void {
  if (lab.os.rhel === undefined || lab.install.image !== undefined) return
  renderKickstart(kickstartInput(lab, { kind: 'base' }, CREDS, 'virtualbox'))
  for (const node of lab.nodes) renderKickstart(kickstartInput(lab, { kind: 'node', node: node.name }, CREDS, 'virtualbox'))
}

/** The shipped labs' folder, copied, with the test bed's image tarball (made by a script before `lab up`). */
function labsCopy(dir: string): string {
  const labs = join(dir, 'labs')
  cpSync(join(ROOT, 'labs'), labs, { recursive: true })
  mkdirSync(join(labs, 'images'), { recursive: true })
  writeFileSync(join(labs, 'images', 'busybox-rootfs.tar'), 'tar')
  return labs
}

// A shared 2-core machine runs other suites at the same time: give each part room beyond tap's default.
const ROOM = { timeout: 240_000 }
t.setTimeout(300_000)

t.test(`${IN_PROCESS} mutations of the shipped labs: located problems or a lab that renders, never a crash`, ROOM, async (t) => {
  const dir = tempDir(t, 'vmlab-fuzz-')
  const filesDir = labsCopy(dir)
  const before = snapshotTree(dir)
  const started = Date.now()
  const seen = { valid: 0, rejected: 0, problems: 0 }
  const failures: string[] = []
  const warnings: string[] = []
  const onWarning = (w: Error) => warnings.push(w.message)
  process.on('warning', onWarning)
  t.teardown(() => void process.off('warning', onWarning))
  for (let i = 0; i < IN_PROCESS; i++) {
    const m = mutate(SEED, i)
    const what = `case ${i} (${m.from}: ${m.applied.join(', ')})`
    try {
      const resolved = parseLab(m.text, 'lab.yaml', { filesDir })
      seen.valid++
      try {
        renders(resolved)
      } catch (err) {
        failures.push(`${what}: validated, but the kickstart refused it: ${(err as Error).message}`)
      }
    } catch (err) {
      if (!(err instanceof LabFileError)) {
        failures.push(`${what}: crashed with ${(err as Error)?.name}: ${String((err as Error)?.message).slice(0, 300)}`)
        continue
      }
      seen.rejected++
      seen.problems += err.problems.length
      for (const p of err.problems) {
        if (!inside(m.text, p.line, p.col)) failures.push(`${what}: problem at ${p.line}:${p.col} outside the file: ${p.message.slice(0, 200)}`)
        if (!p.hint) failures.push(`${what}: problem without a fix: ${p.message.slice(0, 200)}`)
        if (p.message.length > 1000 || (p.hint ?? '').length > 1000) failures.push(`${what}: problem of ${p.message.length} characters`)
      }
      if (/this is a bug/i.test(err.message)) failures.push(`${what}: says it is a bug`)
    }
  }
  t.same(failures, [], 'no crash, every problem located inside the file with a fix')
  await new Promise((r) => setImmediate(r))
  t.same(warnings, [], 'no warning from a library on stderr')
  t.ok(seen.valid > 20 && seen.rejected > IN_PROCESS / 2, `both outcomes occur (valid ${seen.valid}, rejected ${seen.rejected} with ${seen.problems} problems)`)
  t.same(snapshotTree(dir), before, 'reading labs wrote nothing')
  t.comment(`${IN_PROCESS} mutations in ${Date.now() - started} ms: ${seen.valid} valid, ${seen.rejected} rejected`)
})

t.test(`${THROUGH_CLI} mutations through lab validate: exit 0 or 2, located errors, nothing written`, ROOM, async (t) => {
  const dir = tempDir(t, 'vmlab-fuzz-cli-')
  const labs = labsCopy(dir)
  const failures: string[] = []
  const cases = Array.from({ length: THROUGH_CLI }, (_, k) => ({ i: IN_PROCESS + k, ...mutate(SEED, IN_PROCESS + k) }))
  for (const m of cases) writeFileSync(join(labs, `fuzz-${m.i}.yaml`), m.text)
  const before = snapshotTree(dir)
  const run = async (m: (typeof cases)[number]) => {
    const file = `fuzz-${m.i}.yaml`
    const what = `case ${m.i} (${m.from}: ${m.applied.join(', ')})`
    const r = await lab(['validate', file], { cwd: labs })
    if (r.code === 0) return
    if (r.code !== 2) return void failures.push(`${what}: exit ${r.code}: ${r.stderr.slice(0, 300)}`)
    if (/bug/i.test(r.stderr)) return void failures.push(`${what}: ${r.stderr.slice(0, 300)}`)
    const stray = r.stderr.split('\n').filter((l) => l && !/^(error: |fuzz-\d+\.yaml:\d+:\d+: |    fix: )/.test(l))
    if (stray.length) failures.push(`${what}: unexpected output ${JSON.stringify(stray.slice(0, 3))}`)
    const located = [...r.stderr.matchAll(new RegExp(`^${file.replace('.', '\\.')}:(\\d+):(\\d+): `, 'gm'))]
    if (!located.length) failures.push(`${what}: no file:line:col in ${JSON.stringify(r.stderr.slice(0, 300))}`)
    for (const [, line, col] of located) if (!inside(m.text, Number(line), Number(col))) failures.push(`${what}: ${line}:${col} is outside the file`)
  }
  // A few at a time: each is a whole node process that mostly waits for its start-up on a shared machine.
  const queue = [...cases]
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let m = queue.shift(); m; m = queue.shift()) await run(m)
    }),
  )
  t.same(failures, [], 'exit 0 or 2, every error located, never a bug')
  t.same(snapshotTree(dir), before, 'validate wrote nothing (no .lab)')
})
