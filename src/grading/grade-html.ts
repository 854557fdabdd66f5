/**
 * The grade book as one static HTML page: no script, no file or font from elsewhere (it opens the same from a
 * USB stick, a mail attachment or an LMS), every text from a bundle escaped. Per student, the checks that failed
 * with the message the learner saw and what was found.
 */
import { basename } from 'node:path'
import type { GradeBook, GradeRow, LabGrades } from './grade.js'

const FLAG_WORDS: Record<string, string> = {
  edited: 'the bundle was changed after lab submit wrote it',
  'other lab file': 'made from a lab file other than the one most students used',
}

export function gradeHtml(book: GradeBook, opts: { made?: string } = {}): string {
  const title = book.labs.length === 1 ? `Grades: ${book.labs[0]!.lab}` : 'Grades'
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .3rem .6rem; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.pass { background: #e7f6e7; }
td.fail { background: #fbeaea; }
.flag { background: #fff1c2; border-radius: .3rem; padding: 0 .3rem; margin-right: .3rem; }
details { margin: .4rem 0; }
summary { cursor: pointer; }
.found { color: #555; font-family: ui-monospace, monospace; white-space: pre-wrap; }
footer { color: #777; margin-top: 2rem; font-size: .9em; }
</style>
</head>
<body>
<h1>${esc(title)}</h1>
${book.labs.map(labSection).join('\n')}
${opts.made ? `<footer>${esc(opts.made)}</footer>\n` : ''}</body>
</html>
`
}

function labSection(l: LabGrades): string {
  const head = ['student', ...l.columns.map((c) => `${c.id} (${c.max})`), 'total', 'bundles', 'flags']
  const files = l.labDigests.length > 1 ? `<p>The bundles were made from ${l.labDigests.length} different lab files; most from sha256 <code>${esc(l.labDigest.slice(0, 12))}</code>.</p>\n` : ''
  return `<section>
<h2>Lab ${esc(l.lab)}</h2>
${files}<table>
<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead>
<tbody>
${l.rows.map((r) => rowLine(l, r)).join('\n')}
</tbody>
</table>
<h3>Per student</h3>
${l.rows.map(details).join('\n')}
</section>`
}

function rowLine(l: LabGrades, r: GradeRow): string {
  const cells = l.columns.map((c) => {
    const cell = r.cells[c.id]
    return cell === undefined ? '<td class="num">–</td>' : `<td class="num ${cell.passed ? 'pass' : 'fail'}">${cell.score}/${cell.max}</td>`
  })
  return `<tr><td>${esc(r.student)}</td>${cells.join('')}<td class="num">${r.total.score}/${r.total.max}</td><td class="num">${r.bundles}</td><td>${flags(r)}</td></tr>`
}

function details(r: GradeRow): string {
  const notes = r.notes.length > 0 ? `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>\n` : ''
  const failing =
    r.failing.length === 0
      ? '<p>Every check passed.</p>'
      : `<ul>\n${r.failing
          .map(
            (f) =>
              `<li><strong>${esc(f.exerciseTitle)}</strong> (${esc(f.exercise)}), check ${f.index + 1} <code>${esc(f.check)}</code>, ${f.points} point${f.points === 1 ? '' : 's'}: ${esc(f.message)}` +
              (f.outcomes.some((o) => !o.passed)
                ? `<ul>${f.outcomes
                    .filter((o) => !o.passed)
                    .map((o) => `<li>${esc(o.on)}: expected ${esc(o.expected)}, found <span class="found">${esc(o.found)}</span></li>`)
                    .join('')}</ul>`
                : '') +
              '</li>',
          )
          .join('\n')}\n</ul>`
  return `<details>
<summary>${esc(r.student)}: ${r.total.score}/${r.total.max}${r.flags.length > 0 ? ' ' + flags(r) : ''}</summary>
<p>Bundle of ${esc(r.at)}: <code>${esc(basename(r.path))}</code></p>
${notes}${failing}
</details>`
}

function flags(r: GradeRow): string {
  return r.flags.map((f) => `<span class="flag" title="${esc(FLAG_WORDS[f] ?? f)}">${esc(f)}</span>`).join('')
}

/** Text and attribute values alike. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}
