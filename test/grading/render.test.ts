import t from 'tap'
import { gradeBook } from '../../src/grading/grade.js'
import { csvField, gradeCsv } from '../../src/grading/grade-csv.js'
import { gradeHtml } from '../../src/grading/grade-html.js'
import { gradeTable } from '../../src/cli/grade-table.js'
import { sampleBundle } from '../helpers/result-bundles.js'

t.test('CSV: a comma and a quote in a name are quoted as RFC 4180 says', async (t) => {
  const book = gradeBook([{ path: 'x.json', bundle: sampleBundle({ student: 'Doe, Jane "JD"' }) }])
  const line = gradeCsv(book).split('\r\n')[1]
  t.equal(line, 'swarm-course,"Doe, Jane ""JD""",3,3,2,8,8,2026-12-01T10:00:00.000Z,1,')
  t.equal(csvField('two\nlines'), '"two\nlines"')
  t.equal(csvField(''), '')
  t.equal(csvField(undefined), '')
})

t.test('CSV: a text a spreadsheet would run as a formula is kept text', async (t) => {
  for (const bad of ['=HYPERLINK("http://x")', '+1+2', '-2+3', '@SUM(A1)', '\tx']) t.equal(csvField(bad)[bad.includes('"') ? 1 : 0], "'", JSON.stringify(bad))
  t.equal(csvField('=1+1,2'), `"'=1+1,2"`)
  t.equal(csvField('=cmd|"/c calc"'), `"'=cmd|""/c calc"""`)
  t.equal(csvField(-1), '-1', 'a number is no formula')
  const book = gradeBook([{ path: 'x.json', bundle: sampleBundle({ student: '=2+5' }) }])
  t.match(gradeCsv(book), "\r\nswarm-course,'=2+5,")
})

t.test('HTML: everything from a bundle is escaped', async (t) => {
  const evil = sampleBundle({ student: '<script>alert(1)</script>', lab: 'l"><img src=x>', passed: [[false]], found: '</span><b onclick="x">&' })
  const html = gradeHtml(gradeBook([{ path: '<b>.json', bundle: evil }]))
  t.notMatch(html, /<script>|<img|<b[ >]/)
  t.match(html, '<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>')
  t.match(html, '<summary>&lt;script&gt;alert(1)&lt;/script&gt;: 6/8</summary>')
  t.match(html, '<h2>Lab l&quot;&gt;&lt;img src=x&gt;</h2>')
  t.match(html, 'found <span class="found">&lt;/span&gt;&lt;b onclick=&quot;x&quot;&gt;&amp;</span>')
  t.match(html, '<code>&lt;b&gt;.json</code>')
})

t.test('terminal: control characters from a bundle cannot reach the terminal', async (t) => {
  const book = gradeBook([{ path: 'x.json', bundle: sampleBundle({ student: 'eve\u001b]0;pwned\u0007\u202e' }) }])
  const out = gradeTable(book)
  t.notMatch(out, /[\u0000-\u0009\u000b-\u001f\u202e]/)
  t.match(out, '  eve?]0;pwned??  ')
})
