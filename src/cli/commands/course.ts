/** The course commands: a student's way through a lab's exercises. */
import type { Command } from 'commander'

const student = ['--student <id>', 'your student id (kept for this lab after the first use): your own values in the tasks and checks'] as const
const lang = ['--lang <lang>', 'language of the texts: en or zh (default: from LANG)'] as const
const file = ['-f, --file <file>', 'lab file (default: ./lab.yaml)'] as const

const course = () => import('../actions/course.js')

export function register(program: Command): void {
  program
    .command('exercises')
    .description("list the course's exercises: id, title, points, and your last score")
    .option(...file)
    .option(...student)
    .option(...lang)
    .option('--json', 'print as JSON')
    .action(async (opts: Record<string, unknown>) => (await course()).exercisesCommand(opts))
  program
    .command('task')
    .argument('<exercise>', 'exercise id (lab exercises lists them)')
    .description('print what an exercise asks of you (with your own values)')
    .option(...file)
    .option(...student)
    .option(...lang)
    .addHelpText('after', '\nExamples:\n  lab task swarm-init\n  lab task swarm-init --lang zh')
    .action(async (id: string, opts: Record<string, unknown>) => (await course()).taskCommand(id, opts))
  program
    .command('start')
    .argument('<exercise>', 'exercise id')
    .description('put the whole lab at the start of an exercise (the first time builds it and keeps a snapshot; later: a restore in seconds), then print the task')
    .option(...file)
    .option(...student)
    .option(...lang)
    .addHelpText('after', '\nWhat you did in the lab since is lost: the nodes are restored.\n\nExamples:\n  lab start swarm-init --student alice@school.example\n  lab start service-scale')
    .action(async (id: string, opts: Record<string, unknown>, cmd: Command) => (await course()).startCommand(id, opts, cmd))
  program
    .command('solve')
    .argument('<exercise>', 'exercise id')
    .description("apply an exercise's solution (a teacher's demo, or when you are stuck), then check it")
    .option(...file)
    .option(...student)
    .option(...lang)
    .option('--json', 'print the check results as JSON')
    .action(async (id: string, opts: Record<string, unknown>, cmd: Command) => (await course()).solveCommand(id, opts, cmd))
  program
    .command('submit')
    .description('check every exercise and write your result file (scores and evidence, no passwords) to hand in')
    .option(...file)
    .option(...student)
    .option(...lang)
    .option('--out <dir>', 'folder to write it to (default: here)')
    .option('--json', 'print the file name and total as JSON')
    .action(async (opts: Record<string, unknown>, cmd: Command) => (await course()).submitCommand(opts, cmd))
}
