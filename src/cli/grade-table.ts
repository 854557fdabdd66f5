/** The grade book on the terminal: a table per lab, then a line for each flag raised, saying why. */
import type { GradeBook } from '../grading/grade.js'
import { table } from './table.js'

export function gradeTable(book: GradeBook): string {
  return book.labs
    .map((l) => {
      const headers = ['student', ...l.columns.map((c) => c.id), 'total', 'bundles', 'flags']
      const rows = l.rows.map((r) => [
        r.student,
        ...l.columns.map((c) => {
          const cell = r.cells[c.id]
          return cell === undefined ? '-' : `${cell.score}/${cell.max}`
        }),
        `${r.total.score}/${r.total.max}`,
        String(r.bundles),
        r.flags.join(', '),
      ])
      const students = `${l.rows.length} student${l.rows.length === 1 ? '' : 's'}`
      const notes = l.rows.flatMap((r) => r.notes.map((n) => `  ${r.student}: ${n}`))
      return [
        shown(`lab ${l.lab}: ${students}, ${l.columns.length} exercise${l.columns.length === 1 ? '' : 's'}`),
        table(
          headers,
          rows.map((r) => r.map(shown)),
        ),
        ...notes.map(shown),
      ].join('\n')
    })
    .join('\n\n')
}

/**
 * A student id or file's text as the terminal shows it: control characters (an escape sequence in a bundle could
 * retitle or clear the teacher's terminal) and the marks that reverse text direction become '?'.
 */
export function shown(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '?')
}
