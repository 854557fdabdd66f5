import { loadLab } from '../../lab/load.js'
import { LabFileError } from '../../lab/problems.js'
import { excerpt } from '../../lab/excerpt.js'

export async function validateCommand(file: string | undefined, opts: { json?: boolean }): Promise<number> {
  try {
    const loaded = await loadLab(file, { allowDefault: true })
    const l = loaded.lab
    if (opts.json) process.stdout.write(JSON.stringify({ file: loaded.displayName, valid: true, problems: [] }) + '\n')
    else
      process.stdout.write(
        `OK: ${loaded.displayName}: lab "${l.name}", ${l.os.id}, ${l.nodes.length} node${l.nodes.length === 1 ? '' : 's'}, ${l.modules.length} modules, ${l.checks.length} checks${l.exercises.length ? `, ${l.exercises.length} exercises (${l.exercises.reduce((n, e) => n + e.checks.reduce((m, c) => m + c.points, 0), 0)} points)` : ''}\n`,
      )
    return 0
  } catch (err) {
    if (opts.json && err instanceof LabFileError) {
      // A key in the path is the lab file's text: quoted short, as in the message.
      const problems = err.problems.map((p) => ({ line: p.line, column: p.col, path: p.path.map((s) => (typeof s === 'string' ? excerpt(s) : s)), message: p.message, fix: p.hint }))
      process.stdout.write(JSON.stringify({ file: err.file, valid: false, problems }, null, 2) + '\n')
      return 2
    }
    throw err
  }
}
