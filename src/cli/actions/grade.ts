import { resolve } from 'node:path'
import { BUNDLE_SUFFIX } from '../../grading/bundle.js'
import { gradeBook } from '../../grading/grade.js'
import { gradeCsv } from '../../grading/grade-csv.js'
import { gradeHtml } from '../../grading/grade-html.js'
import { readBundles } from '../../grading/read-bundles.js'
import { InputError } from '../../util/errors.js'
import { writeFileAtomic } from '../../util/files.js'
import { gradeTable, shown } from '../grade-table.js'

export async function gradeCommand(paths: string[], opts: { csv?: string; html?: string; json?: boolean }, version: string): Promise<number> {
  const read = await readBundles(paths)
  for (const p of read.problems) process.stderr.write(shown(`error: ${p.path}: ${p.problem}`) + '\n')
  if (read.bundles.length === 0) throw nothingRead(paths, read.searched, read.problems.length)
  const book = gradeBook(read.bundles)
  if (opts.json) process.stdout.write(JSON.stringify({ labs: book.labs, problems: read.problems }, null, 2) + '\n')
  else process.stdout.write(gradeTable(book) + '\n')
  // Grades are about people: the files are for their owner to pass on, not for every account on the machine.
  if (opts.csv !== undefined) await written(opts.csv, gradeCsv(book))
  if (opts.html !== undefined)
    await written(opts.html, gradeHtml(book, { made: `Made by vmlab ${version} on ${new Date().toISOString()} from ${read.bundles.length} bundle${read.bundles.length === 1 ? '' : 's'}.` }))
  return 0
}

async function written(file: string, text: string): Promise<void> {
  await writeFileAtomic(resolve(file), text, 0o600)
  process.stderr.write(`wrote ${file}\n`)
}

function nothingRead(paths: string[], searched: string[], failed: number): InputError {
  const hint = 'students write a bundle with `lab submit`; give its files, or the folder they were collected in'
  if (failed > 0 && searched.length === 0) return new InputError(`no result bundle could be read from ${paths.join(', ')} (what is wrong with each is above)`, hint)
  const where = searched.length > 0 ? `looked for *${BUNDLE_SUFFIX} in ${searched.join(', ')} and the folders below` : `looked in ${paths.join(', ')}`
  if (failed > 0) return new InputError(`no result bundle could be read: ${where}; ${failed} could not be read (what is wrong with each is above)`, hint)
  return new InputError(`no result bundles found: ${where}`, hint)
}
