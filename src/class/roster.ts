/**
 * The class list: a CSV of `id,name,email`, one student a line, as a spreadsheet exports it. The id names the
 * student's instance (VMs, network, state folder), so it follows the instance rules; every mistake is told
 * with file:line and changes nothing.
 */
import { InputError } from '../util/errors.js'
import { instanceIdProblem } from '../lab/instance.js'

export interface Student {
  id: string
  name: string
  email: string
}

export interface RosterProblem {
  line: number
  message: string
}

const HEADER = ['id', 'name', 'email']

/** Splits one CSV line: commas, with "quoted, fields" and "" for a quote inside them. */
function fields(line: string): string[] | undefined {
  const out: string[] = []
  let i = 0
  for (;;) {
    let field = ''
    if (line[i] === '"') {
      i++
      for (;;) {
        if (i >= line.length) return undefined
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        field += line[i++]
      }
      if (i < line.length && line[i] !== ',') return undefined
    } else {
      const end = line.indexOf(',', i)
      field = end === -1 ? line.slice(i) : line.slice(i, end)
      i = end === -1 ? line.length : end
    }
    out.push(field.trim())
    if (i >= line.length) return out
    i++
  }
}

/** The students, or every problem of the file (each with its line). A first line `id,name,email` is a header. */
export function parseRoster(text: string): { students: Student[]; problems: RosterProblem[] } {
  const students: Student[] = []
  const problems: RosterProblem[] = []
  const seen = new Map<string, number>()
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  for (const [i, raw] of lines.entries()) {
    const line = i + 1
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue
    const f = fields(raw)
    if (!f) {
      problems.push({ line, message: 'a quoted field is not closed: end it with " before the next comma' })
      continue
    }
    if (students.length === 0 && problems.length === 0 && f.map((x) => x.toLowerCase()).join(',') === HEADER.join(',')) continue
    if (f.length !== 3) {
      problems.push({ line, message: `${f.length} field${f.length === 1 ? '' : 's'}, expected 3: id,name,email` })
      continue
    }
    const [id, name, email] = f as [string, string, string]
    const idProblem = instanceIdProblem(id)
    if (idProblem) {
      problems.push({ line, message: idProblem })
      continue
    }
    if (name === '') {
      problems.push({ line, message: `student ${id} has no name: write it in the second field` })
      continue
    }
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
      problems.push({ line, message: `'${email.slice(0, 60)}' is not an email address (third field)` })
      continue
    }
    const first = seen.get(id)
    if (first !== undefined) {
      problems.push({ line, message: `student id ${id} is already on line ${first}: every student needs an id of their own` })
      continue
    }
    seen.set(id, line)
    students.push({ id, name, email })
  }
  if (students.length === 0 && problems.length === 0) problems.push({ line: 1, message: 'no students: write one line per student, id,name,email' })
  return { students, problems }
}

/** The students of a roster file, or an error listing every problem as file:line. */
export function rosterOrError(file: string, text: string): Student[] {
  const { students, problems } = parseRoster(text)
  if (problems.length > 0) {
    throw new InputError(
      `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  ${file}:${p.line}: ${p.message}`).join('\n')}`,
      'fix the roster and run the command again; nothing was changed',
    )
  }
  return students
}
