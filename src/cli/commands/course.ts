/** The course commands: a student's way through a lab's exercises, and the teacher's grade book of their results. */
import type { Command } from 'commander'
import { labFile } from '../lab-option.js'

const student = ['--student <id>', 'your student id (kept for this lab after the first use): your own values in the tasks and checks'] as const
const lang = ['--lang <lang>', 'language of the texts: en or zh (default: from LANG)'] as const
const file = ['-f, --file <file>', 'lab file (default: ./lab.yaml)'] as const

const actions = () => import('../actions/course.js')
const fileArg = ['[file]', 'lab file (or the name of a built-in lab); as -f'] as const

/** The options with the lab file of `lab CMD … FILE` (or -f: both must name the same). */
async function withFile(file: string | undefined, opts: Record<string, unknown>): Promise<Record<string, unknown>> {
  const f = await labFile(file, opts as { file?: string })
  return { ...opts, ...(f !== undefined ? { file: f } : {}) }
}

export function course(program: Command): void {
  program
    .command('exercises')
    .argument(...fileArg)
    .description("list the course's exercises: id, title, points, and your last score")
    .option(...file)
    .option(...student)
    .option(...lang)
    .option('--json', 'print as JSON')
    .action(async (f: string | undefined, opts: Record<string, unknown>) => (await actions()).exercisesCommand(await withFile(f, opts)))
  program
    .command('task')
    .argument('<exercise>', 'exercise id (lab exercises lists them)')
    .argument(...fileArg)
    .description('print what an exercise asks of you (with your own values)')
    .option(...file)
    .option(...student)
    .option(...lang)
    .option('--json', 'print the exercise (id, title, points, task text) as JSON')
    .addHelpText('after', '\nExamples:\n  lab task swarm-init\n  lab task swarm-init course/debian-orchestration --lang zh')
    .action(async (id: string, f: string | undefined, opts: Record<string, unknown>) => (await actions()).taskCommand(id, await withFile(f, opts)))
  program
    .command('start')
    .argument('<exercise>', 'exercise id')
    .argument(...fileArg)
    .description('put the whole lab at the start of an exercise (the first time builds it and keeps a snapshot; later: a restore in seconds), then print the task')
    .option(...file)
    .option(...student)
    .option(...lang)
    .option('--json', 'NDJSON on stdout: progress events, then the result (with the task text)')
    .addHelpText(
      'after',
      '\nWhat you did in the lab since is lost: the nodes are restored.\n\nExamples:\n  lab start swarm-init --student alice@school.example\n  lab start service-scale labs/course/debian-orchestration.yaml',
    )
    .action(async (id: string, f: string | undefined, opts: Record<string, unknown>, cmd: Command) => (await actions()).startCommand(id, await withFile(f, opts), cmd))
  program
    .command('solve')
    .argument('<exercise>', 'exercise id')
    .argument(...fileArg)
    .description("apply an exercise's solution (a teacher's demo, or when you are stuck), then check it")
    .option(...file)
    .option(...student)
    .option(...lang)
    .option('--json', 'print the check results as JSON')
    .action(async (id: string, f: string | undefined, opts: Record<string, unknown>, cmd: Command) => (await actions()).solveCommand(id, await withFile(f, opts), cmd))
  program
    .command('submit')
    .argument(...fileArg)
    .description('check every exercise and write your result file (scores and evidence, no passwords) to hand in')
    .option(...file)
    .option(...student)
    .option(...lang)
    .option('--out <dir>', 'folder to write it to (default: here)')
    .option('--json', 'print the file name and total as JSON')
    .action(async (f: string | undefined, opts: Record<string, unknown>, cmd: Command) => (await actions()).submitCommand(await withFile(f, opts), cmd))
}

export function grade(program: Command): void {
  program
    .command('grade')
    .description('teacher: a student × exercise table from the bundles of `lab submit`; CSV and an HTML page on request')
    .argument('<paths...>', 'bundle files, or folders holding *.vmlab-result.json (searched with their subfolders)')
    .option('--csv <file>', 'also write the grades as CSV (for a spreadsheet)')
    .option('--html <file>', 'also write one static HTML page: the table, and per student the checks that failed')
    .option('--json', 'print the grade book as JSON instead of the table')
    .addHelpText(
      'after',
      `
Per student and lab the latest bundle counts; the bundles column counts them all. Flags: "edited" (the
bundle was changed after lab submit wrote it), "other lab file" (made from a lab file other than the one
most students used). A file that is not a bundle is reported on stderr and the others are still graded.

Examples:
  lab grade submissions/
  lab grade submissions/ --csv grades.csv --html grades.html
  lab grade alice.vmlab-result.json bob.vmlab-result.json --json`,
    )
    .action(async (paths: string[], opts: { csv?: string; html?: string; json?: boolean }, cmd: Command) => {
      const { gradeCommand } = await import('../actions/grade.js')
      process.exitCode = await gradeCommand(paths, opts, cmd.parent?.version() ?? '')
    })
}
