import { InputError } from '../util/errors.js'
import { formatPath, type Path } from './locate.js'

export interface Problem {
  path: Path
  message: string
  hint?: string
  /** Point at the key itself (unknown keys) rather than its value. */
  at?: 'key' | 'value'
  line?: number
  col?: number
}

/** Every problem found in one lab file, each with file:line:col, what is wrong and how to fix it. */
export class LabFileError extends InputError {
  readonly file: string
  readonly problems: Problem[]
  constructor(file: string, problems: Problem[]) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${formatProblems(file, problems)}`)
    this.name = 'LabFileError'
    this.file = file
    this.problems = problems
  }
}

export function formatProblems(file: string, problems: Problem[]): string {
  return problems
    .map((p) => {
      const where = `${file}:${p.line ?? 1}:${p.col ?? 1}`
      const what = p.path.length ? `${formatPath(p.path)}: ${p.message}` : p.message
      return p.hint ? `${where}: ${what}\n    fix: ${p.hint}` : `${where}: ${what}`
    })
    .join('\n')
}
