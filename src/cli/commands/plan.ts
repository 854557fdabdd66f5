import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(program.command('plan').description('show the VMs, network, addresses and modules `lab up` would create and run; changes nothing'))
    .option('--provider <name>', 'plan for this provider: virtualbox, vmware or qemu (default: the lab file, else auto)')
    .option('--json', 'print the plan as JSON')
    .addHelpText(
      'after',
      `
Examples:
  lab plan
  lab plan labs/registry.yaml --provider vmware
  lab plan -f lab.yaml --json`,
    )
    .action(async (file: string | undefined, opts: { file?: string; provider?: string; json?: boolean }) => {
      const { planCommand } = await import('../actions/plan.js')
      await planCommand(labFileFrom(file, opts), opts)
    })
}
