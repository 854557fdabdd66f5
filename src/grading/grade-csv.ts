/**
 * The grade book as CSV (RFC 4180: CRLF line ends, a field with a comma, a quote or a line break quoted, quotes
 * doubled), one line per student and lab, for a spreadsheet or the school's system. Scores are plain numbers
 * (a cell "2/3" would become a date in a spreadsheet); each exercise's header names its maximum.
 */
import type { GradeBook } from './grade.js'

type Cell = string | number | undefined

export function gradeCsv(book: GradeBook): string {
  const several = book.labs.length > 1
  const columns = book.labs.flatMap((l) => l.columns.map((c) => ({ lab: l.lab, ...c })))
  const header: Cell[] = ['lab', 'student', ...columns.map((c) => `${several ? `${c.lab}/` : ''}${c.id} (max ${c.max})`), 'total', 'max', 'submitted', 'bundles', 'flags']
  const lines = [header]
  for (const l of book.labs)
    for (const r of l.rows) lines.push([l.lab, r.student, ...columns.map((c) => (c.lab === l.lab ? r.cells[c.id]?.score : undefined)), r.total.score, r.total.max, r.at, r.bundles, r.flags.join('; ')])
  return lines.map((cells) => cells.map(csvField).join(',') + '\r\n').join('')
}

export function csvField(cell: Cell): string {
  if (cell === undefined) return ''
  if (typeof cell === 'number') return String(cell)
  // A text starting like a formula is run by a spreadsheet that opens the file (CSV injection): a leading ' keeps it text.
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}
