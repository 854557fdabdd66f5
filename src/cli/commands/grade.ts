import type { Command } from 'commander'

export function register(program: Command): void {
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
