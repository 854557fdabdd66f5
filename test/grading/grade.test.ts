import t from 'tap'
import { gradeBook } from '../../src/grading/grade.js'
import { gradeCsv } from '../../src/grading/grade-csv.js'
import { gradeHtml } from '../../src/grading/grade-html.js'
import { gradeTable } from '../../src/cli/grade-table.js'
import type { ResultBundle } from '../../src/grading/result.js'
import { sampleBundle } from '../helpers/result-bundles.js'

const at = (path: string, bundle: ResultBundle) => ({ path, bundle })

// alice: all but the second swarm check (1 point); bob: the swarm, nothing of the service, not the rollback.
const alice = sampleBundle({ student: 'alice', passed: [[true, false]] })
const bob = sampleBundle({ student: 'bob', passed: [[], [false, false, false], [false]] })
const two = [at('in/bob.vmlab-result.json', bob), at('in/alice.vmlab-result.json', alice)]

t.test('two students × three exercises: the rows, the columns, the failing checks', async (t) => {
  const book = gradeBook(two)
  t.equal(book.labs.length, 1)
  const l = book.labs[0]!
  t.equal(l.lab, 'swarm-course')
  t.same(l.columns, [
    { id: 'swarm', title: 'Build the swarm', max: 3 },
    { id: 'service', title: 'Run the web service', max: 3 },
    { id: 'rollback', title: 'Roll back an update', max: 2 },
  ])
  t.same(
    l.rows.map((r) => [r.student, r.cells.swarm?.score, r.cells.service?.score, r.cells.rollback?.score, r.total, r.bundles, r.flags]),
    [
      ['alice', 2, 3, 2, { score: 7, max: 8 }, 1, []],
      ['bob', 3, 0, 0, { score: 3, max: 8 }, 1, []],
    ],
  )
  t.same(
    l.rows[0]!.failing.map((f) => [f.exercise, f.index, f.message]),
    [['swarm', 1, 'swarm check 2: not done yet']],
  )
  t.same(
    l.rows[1]!.failing.map((f) => `${f.exercise}#${f.index}`),
    ['service#0', 'service#1', 'service#2', 'rollback#0'],
  )
})

t.test('the terminal table', async (t) => {
  t.equal(
    gradeTable(gradeBook(two)),
    [
      'lab swarm-course: 2 students, 3 exercises',
      '  student  swarm  service  rollback  total  bundles  flags',
      '  -------  -----  -------  --------  -----  -------  -----',
      '  alice    2/3    3/3      2/2       7/8    1        ',
      '  bob      3/3    0/3      0/2       3/8    1        ',
    ].join('\n'),
  )
})

t.test('the CSV', async (t) => {
  t.equal(
    gradeCsv(gradeBook(two)),
    [
      'lab,student,swarm (max 3),service (max 3),rollback (max 2),total,max,submitted,bundles,flags',
      'swarm-course,alice,2,3,2,7,8,2026-12-01T10:00:00.000Z,1,',
      'swarm-course,bob,3,0,0,3,8,2026-12-01T10:00:00.000Z,1,',
      '',
    ].join('\r\n'),
  )
})

t.test('the HTML page: the table and per student the failing checks with their messages', async (t) => {
  const html = gradeHtml(gradeBook(two))
  t.match(html, /^<!DOCTYPE html>/)
  t.match(html, '<tr><th>student</th><th>swarm (3)</th><th>service (3)</th><th>rollback (2)</th><th>total</th><th>bundles</th><th>flags</th></tr>')
  t.match(html, '<tr><td>alice</td><td class="num fail">2/3</td><td class="num pass">3/3</td><td class="num pass">2/2</td><td class="num">7/8</td><td class="num">1</td><td></td></tr>')
  t.match(html, '<tr><td>bob</td><td class="num pass">3/3</td><td class="num fail">0/3</td><td class="num fail">0/2</td><td class="num">3/8</td><td class="num">1</td><td></td></tr>')
  const details = html.split('<details>').slice(1)
  t.equal(details.length, 2)
  t.match(details[0], /<summary>alice: 7\/8<\/summary>/)
  t.match(details[0], /<strong>Build the swarm<\/strong> \(swarm\), check 2 <code>service<\/code>, 1 point: swarm check 2: not done yet/)
  t.match(details[0], 'master: expected ready: 3, found <span class="found">ready: 1</span>')
  t.notMatch(details[0], /Run the web service/)
  t.match(details[1], /<summary>bob: 3\/8<\/summary>/)
  t.equal(details[1]!.match(/<li><strong>/g)?.length, 4, 'bob: four failing checks')
  t.match(details[1], 'service check 3: not done yet')
  t.match(details[1], 'rollback check 1: not done yet')
  t.notMatch(html, /<script|<link|src=|href=|@import|url\(/, 'nothing loaded from elsewhere, no script')
})

t.test('a bundle whose score was edited is flagged, and says why', async (t) => {
  const edited = structuredClone(bob)
  edited.exercises[1]!.score = 3
  const book = gradeBook([at('alice.json', alice), at('bob.json', edited)])
  const r = book.labs[0]!.rows.find((r) => r.student === 'bob')!
  t.same(r.flags, ['edited'])
  t.match(r.notes, [/edited: its digest does not match its contents/])
  t.same(r.cells.service, { score: 3, max: 3, passed: false }, 'the score as claimed, beside the flag')
  t.same(book.labs[0]!.rows.find((r) => r.student === 'alice')!.flags, [])
  t.match(gradeTable(book), /\n  bob .* edited\n  bob: edited: its digest does not match/)
  t.match(gradeCsv(book), /\r\nswarm-course,bob,.*,edited\r\n/)
  t.match(gradeHtml(book), '<span class="flag" title="the bundle was changed after lab submit wrote it">edited</span>')
})

t.test('the latest bundle of a student wins; the older ones are counted', async (t) => {
  const early = sampleBundle({ student: 'alice', at: '2026-12-01T09:00:00Z', passed: [[false, false], [false, false, false], [false]] })
  const late = sampleBundle({ student: 'alice', at: '2026-12-01T11:00:00Z' })
  const middle = sampleBundle({ student: 'alice', at: '2026-12-01T10:00:00+00:00', passed: [[false]] })
  for (const order of [
    [early, late, middle],
    [late, middle, early],
  ]) {
    const book = gradeBook(order.map((b, i) => at(`f${i}.json`, b)))
    const rows = book.labs[0]!.rows
    t.equal(rows.length, 1)
    t.same([rows[0]!.at, rows[0]!.total, rows[0]!.bundles], ['2026-12-01T11:00:00Z', { score: 8, max: 8 }, 3])
  }
})

t.test('a bundle of another lab file is flagged; several labs are graded apart', async (t) => {
  const carol = sampleBundle({ student: 'carol', labDigest: 'b'.repeat(64) })
  const dave = sampleBundle({ student: 'dave', lab: 'compose-course' })
  const book = gradeBook([...two, at('carol.json', carol), at('dave.json', dave)])
  t.same(
    book.labs.map((l) => [l.lab, l.rows.map((r) => r.student)]),
    [
      ['compose-course', ['dave']],
      ['swarm-course', ['alice', 'bob', 'carol']],
    ],
  )
  const swarm = book.labs[1]!
  t.equal(swarm.labDigest, 'a'.repeat(64))
  t.same(swarm.labDigests, [
    { digest: 'a'.repeat(64), rows: 2 },
    { digest: 'b'.repeat(64), rows: 1 },
  ])
  t.same(
    swarm.rows.map((r) => r.flags),
    [[], [], ['other lab file']],
  )
  t.same(book.labs[0]!.rows[0]!.flags, [], 'the other lab is not measured against this one')
  const csv = gradeCsv(book).split('\r\n')
  t.equal(
    csv[0],
    'lab,student,compose-course/swarm (max 3),compose-course/service (max 3),compose-course/rollback (max 2),swarm-course/swarm (max 3),swarm-course/service (max 3),swarm-course/rollback (max 2),total,max,submitted,bundles,flags',
  )
  t.equal(csv[1], 'compose-course,dave,3,3,2,,,,8,8,2026-12-01T10:00:00.000Z,1,')
  t.equal(csv[4], 'swarm-course,carol,,,,3,3,2,8,8,2026-12-01T10:00:00.000Z,1,other lab file')
  const table = gradeTable(book)
  t.match(table, /^lab compose-course: 1 student, 3 exercises\n[\s\S]*\n\nlab swarm-course: 3 students, 3 exercises\n/)
  t.match(table, /\n  carol: other lab file: made from a lab file \(sha256 bbbbbbbbbbbb\) other than the one most students used \(aaaaaaaaaaaa\)/)
  t.match(gradeHtml(book), 'The bundles were made from 2 different lab files')
})
