import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(program.command('plan').description('show the VMs, network, addresses and modules `lab up` would create and run; changes nothing'))
    .option('--provider <name>', 'plan for this provider: virtualbox, vmware or qemu (default: the lab file, else auto)')
    .option('--json', 'print the plan as JSON')
    .option('--commands', 'print, one per line and shell-quoted, the hypervisor commands `lab up` would run on a machine where nothing exists yet')
    .addHelpText(
      'after',
      `
Examples:
  lab plan
  lab plan labs/registry.yaml --provider vmware
  lab plan -f lab.yaml --json
  lab plan --commands --provider virtualbox`,
    )
    .action(async (file: string | undefined, opts: { file?: string; provider?: string; json?: boolean; commands?: boolean }) => {
      const { planCommand } = await import('../actions/plan.js')
      await planCommand(labFileFrom(file, opts), opts)
    })
}
