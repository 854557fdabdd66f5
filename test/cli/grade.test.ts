import t from 'tap'
import { readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { lab } from '../helpers/cli.js'
import { sampleBundle } from '../helpers/result-bundles.js'

const json = (v: unknown) => JSON.stringify(v, null, 2)

t.test('lab grade DIR: the table on stdout, a bad file on stderr, the others still graded; CSV and HTML on request', async (t) => {
  const edited = sampleBundle({ student: 'bob', passed: [[], [false, false, false]] })
  edited.exercises[1]!.score = 3
  const dir = t.testdir({
    in: {
      'alice.vmlab-result.json': json(sampleBundle({ student: 'alice', passed: [[true, false]] })),
      'alice-old.vmlab-result.json': json(sampleBundle({ student: 'alice', at: '2026-11-30T10:00:00Z', passed: [[false, false]] })),
      'bob.vmlab-result.json': json(edited),
      'junk.vmlab-result.json': 'hello',
      'readme.txt': 'ignored',
    },
  })
  const r = await lab(['grade', 'in', '--csv', 'out/grades.csv', '--html', 'grades.html'], { cwd: dir })
  t.equal(r.code, 0, r.stderr)
  t.equal(
    r.stdout,
    [
      'lab swarm-course: 2 students, 3 exercises',
      '  student  swarm  service  rollback  total  bundles  flags',
      '  -------  -----  -------  --------  -----  -------  ------',
      '  alice    2/3    3/3      2/2       7/8    2        ',
      '  bob      3/3    3/3      2/2       5/8    1        edited',
      '  bob: edited: its digest does not match its contents: it was changed after lab submit wrote it',
      '',
    ].join('\n'),
  )
  t.match(r.stderr, /^error: in\/junk\.vmlab-result\.json: it is not valid JSON/m)
  t.match(r.stderr, /^wrote out\/grades\.csv$/m)
  t.match(r.stderr, /^wrote grades\.html$/m)
  const csv = readFileSync(join(dir, 'out', 'grades.csv'), 'utf8')
  t.match(csv, /^lab,student,swarm \(max 3\),.*\r\nswarm-course,alice,2,3,2,7,8,.*\r\nswarm-course,bob,3,3,2,5,8,.*,edited\r\n$/)
  t.equal(statSync(join(dir, 'out', 'grades.csv')).mode & 0o777, 0o600)
  const html = readFileSync(join(dir, 'grades.html'), 'utf8')
  t.match(html, /<footer>Made by vmlab \d+\.\d+\.\d+\S* on \d{4}-.* from 3 bundles\.<\/footer>/)
  t.match(html, 'swarm check 2: not done yet')
})

t.test('lab grade --json: the grade book and the problems as data', async (t) => {
  const dir = t.testdir({ 'a.vmlab-result.json': json(sampleBundle({ student: 'alice' })), 'b.vmlab-result.json': '{}' })
  const r = await lab(['grade', '.', '--json'], { cwd: dir })
  t.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.match(out.labs, [{ lab: 'swarm-course', rows: [{ student: 'alice', total: { score: 8, max: 8 }, flags: [] }] }])
  t.match(out.problems, [{ path: 'b.vmlab-result.json', problem: /no "format"/ }])
})

t.test('nothing to grade: a clear error that says what was looked for and where', async (t) => {
  const dir = t.testdir({ empty: { 'notes.txt': 'x' }, 'bad.vmlab-result.json': '[]' })
  const none = await lab(['grade', 'empty'], { cwd: dir })
  t.equal(none.code, 2)
  t.equal(none.stdout, '')
  t.match(none.stderr, /^error: no result bundles found: looked for \*\.vmlab-result\.json in empty and the folders below\nhint: students write a bundle with `lab submit`/)
  const bad = await lab(['grade', 'bad.vmlab-result.json', 'gone'], { cwd: dir })
  t.equal(bad.code, 2)
  t.match(
    bad.stderr,
    /^error: bad\.vmlab-result\.json: it is not a result bundle: it holds no JSON object\nerror: gone: no such file or folder\nerror: no result bundle could be read from bad\.vmlab-result\.json, gone/,
  )
  t.notMatch(bad.stderr, /bug/)
})

t.test('lab grade without a path is a usage error; it is listed in lab --help', async (t) => {
  const r = await lab(['grade'])
  t.equal(r.code, 2)
  t.match(r.stderr, /missing required argument 'paths'/)
  t.match((await lab(['--help'])).stdout, /\n  grade \[options\] <paths\.\.\.>\s+teacher: a student × exercise table/)
})
