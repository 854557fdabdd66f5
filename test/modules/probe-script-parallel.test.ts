/**
 * Sections side by side (grading's batches): run here by real shells (dash, as Debian's /bin/sh, and bash, as
 * EL's), they report exactly what the same sections report one after the other, in less time.
 */
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { parseSections, sectionScript, PARALLEL_SECTIONS } from '../../src/modules/lib/probe-script.js'

const sections: Record<string, string | string[]> = {
  plain: 'echo one',
  argv: ['printf', '%s', 'no final newline'],
  failing: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
  exits: 'echo before; exit 4',
  moves: 'cd /; pwd',
  where: 'pwd',
  multiline: 'for x in a b; do\n  echo $x\ndone # a comment at the end',
  reads: 'cat',
}

function run(shell: string, script: string): { stdout: string; ms: number } {
  const started = Date.now()
  const stdout = execFileSync(shell, ['-c', script], { encoding: 'utf8', cwd: '/tmp', input: 'stdin text\n', stdio: ['pipe', 'pipe', 'ignore'] })
  return { stdout, ms: Date.now() - started }
}

for (const shell of ['dash', 'bash']) {
  t.test(`${shell}: the same answers as the sections one by one, an exit or a cd staying in its section`, async (t) => {
    const names = Object.keys(sections)
    const parallel = parseSections(run(shell, sectionScript(sections, { parallel: true })).stdout, names)
    t.same([...parallel.keys()], names, 'every section reported')
    t.same(parallel.get('plain'), { code: 0, out: 'one\n' })
    t.same(parallel.get('argv'), { code: 0, out: 'no final newline' })
    t.same(parallel.get('failing'), { code: 3, out: 'out\n' }, 'stderr is not in the section')
    t.same(parallel.get('exits'), { code: 4, out: 'before\n' })
    t.same(parallel.get('where'), { code: 0, out: '/tmp\n' }, "another section's cd did not move it")
    t.same(parallel.get('multiline'), { code: 0, out: 'a\nb\n' })
    t.same(parallel.get('reads'), { code: 0, out: '' }, 'a section reads no stdin meant for the script')
    // One by one, the sections that leave the shell or move it cannot run: the rest agree.
    const { exits: _e, moves: _m, reads: _r, ...serialSafe } = sections
    const serial = parseSections(run(shell, sectionScript(serialSafe)).stdout, Object.keys(serialSafe))
    for (const name of Object.keys(serialSafe)) t.same(parallel.get(name), serial.get(name), name)
  })

  t.test(`${shell}: ${PARALLEL_SECTIONS * 2} sections of 0.4 s take two rounds, not ${PARALLEL_SECTIONS * 2}; no temporary folder is left`, async (t) => {
    const slow = Object.fromEntries(Array.from({ length: PARALLEL_SECTIONS * 2 }, (_, i) => [`s${i}`, `sleep 0.4; echo ${i}`]))
    const script = sectionScript(slow, { parallel: true })
    const tmp = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim()
    const started = Date.now()
    const stdout = execFileSync(shell, ['-c', script], { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } })
    const ms = Date.now() - started
    const read = parseSections(stdout, Object.keys(slow))
    t.same(
      [...read.values()].map((r) => r.out),
      Object.keys(slow).map((_, i) => `${i}\n`),
      'in order',
    )
    t.ok(ms < 0.4 * 1000 * PARALLEL_SECTIONS, `${ms} ms`)
    t.same(execFileSync('ls', ['-A', tmp], { encoding: 'utf8' }), '', 'the temporary folder is gone')
    execFileSync('rmdir', [tmp])
  })
}

t.test('one section, or no option: the plain script, unchanged', async (t) => {
  t.equal(sectionScript({ a: 'echo a' }, { parallel: true }), sectionScript({ a: 'echo a' }))
  t.match(sectionScript({ a: 'echo a', b: 'echo b' }), /^echo '#vmlab:begin:a'/)
})
