import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(program.command('check').description("run the lab's checks (swarm ready, replicas, HTTP on every node, chrony synced …): a pass/fail table; exit 0 only if all pass"))
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nFor a learner checking an exercise, or a teacher grading one.\n\nExamples:\n  lab check\n  lab check labs/swarm.yaml --json')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) =>
      (await import('../actions/guest.js')).checkCommand(labFileFrom(file, opts as { file?: string }), opts, cmd),
    )
}
