import type { Command } from 'commander'
import { withLabFile } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(
    program
      .command('reset')
      .argument('[snapshot]', 'snapshot to go back to', 'ready')
      .description('put the whole lab back to a snapshot (default "ready"): power off, restore every node, boot, step the clocks'),
    false,
  )
    .option('--only <nodes...>', 'only these nodes (warns about swarm membership)')
    .addHelpText('after', '\nExamples:\n  lab reset\n  lab reset clean -f labs/swarm.yaml\n  lab reset --only node2')
    .action(async (snapshot: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { resetCommand } = await import('../actions/lifecycle.js')
      await resetCommand(snapshot, opts, cmd)
    })
}
