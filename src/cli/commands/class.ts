/** `lab class …`: a teacher's whole class from one lab file, one instance per student of the roster (actions/class.ts). */
import type { Command } from 'commander'

const classFile = ['--class <file>', 'class file: lab, network pool, hosts with their capacity (default: ./class.yaml)'] as const
const actions = () => import('../actions/class.js')

export function klass(program: Command): void {
  const c = program.command('class').description("teacher: every student's own instance of the lab, placed on the class's hosts")
  c.addHelpText(
    'after',
    `
The roster is a CSV file: id,name,email (one student a line). The id names the student's instance.

Examples:
  lab class plan roster.csv
  lab class up roster.csv
  lab class status --json
  lab class access alice --out sheets/
  lab class check --csv grades.csv --html grades.html`,
  )
  c.command('plan')
    .argument('<roster>', 'roster CSV (id,name,email)')
    .description('where each student would run (host, network, VMs); changes nothing')
    .option(...classFile)
    .option('--json', 'print as JSON')
    .action(async (roster: string, opts: Record<string, unknown>) => (await actions()).classPlanCommand(roster, opts))
  c.command('up')
    .argument('<roster>', 'roster CSV (id,name,email)')
    .description("bring up every student's instance, a few at a time per host; safe to run again (it resumes)")
    .option(...classFile)
    .option('--iso <path>', 'install from this local ISO (passed to each lab up)')
    .option('--json', 'NDJSON on stdout: one line per student as it ends, then the result')
    .action(async (roster: string, opts: Record<string, unknown>) => (await actions()).classUpCommand(roster, opts))
  c.command('status')
    .description('student × host × nodes running × last score')
    .option(...classFile)
    .option('--json', 'print as JSON')
    .action(async (opts: Record<string, unknown>) => (await actions()).classStatusCommand(opts))
  c.command('check')
    .description("every student's lab check of the course: the grade table of `lab grade`, and its files")
    .option(...classFile)
    .option('--out <dir>', 'folder for the result bundles (default: .lab/<lab>/instances/results)')
    .option('--csv <file>', 'also write the grades as CSV')
    .option('--html <file>', 'also write the grades as one HTML page')
    .option('--json', 'NDJSON on stdout: one line per student as it ends, then the result')
    .action(async (opts: Record<string, unknown>) => (await actions()).classCheckCommand(opts))
  c.command('start')
    .argument('<exercise>', 'exercise id')
    .argument('[student]', 'one student (or --all)')
    .description('put one student (or all) at the start of an exercise')
    .option(...classFile)
    .option('--all', 'every student')
    .option('--json', 'NDJSON on stdout: one line per student as it ends, then the result')
    .action(async (ex: string, student: string | undefined, opts: Record<string, unknown>) => (await actions()).classStartCommand(ex, student, opts))
  c.command('reset')
    .argument('[student]', 'one student (or --all)')
    .description("put one student's lab (or all) back to its ready snapshot")
    .option(...classFile)
    .option('--all', 'every student')
    .option('--json', 'NDJSON on stdout: one line per student as it ends, then the result')
    .action(async (student: string | undefined, opts: Record<string, unknown>) => (await actions()).classResetCommand(student, opts))
  c.command('access')
    .argument('<student>', 'student id')
    .description("that student's access sheet only: SSH config, key, passwords, web addresses")
    .option(...classFile)
    .option('--out <dir>', 'write the sheet as files into DIR/<student>/ (0600) instead of printing it')
    .option('--json', 'print the sheet (or, with --out, the files written) as JSON')
    .action(async (student: string, opts: Record<string, unknown>) => (await actions()).classAccessCommand(student, opts))
  c.command('destroy')
    .description("remove every student's VMs, networks, keys and state")
    .option(...classFile)
    .option('--json', 'NDJSON on stdout: one line per student as it ends, then the result')
    .action(async (opts: Record<string, unknown>) => (await actions()).classDestroyCommand(opts))
}
