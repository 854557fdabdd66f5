import { InvalidArgumentError, type Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(program.command('up').description('build the lab: network, base image, linked clones, boot, modules, snapshot "ready"'))
    .option('--no-provision', 'create and boot the VMs but do not run the modules')
    .option('--only <nodes...>', 'only these nodes')
    .option('--provider <name>', 'virtualbox, vmware or qemu (default: the lab file, else the first installed)')
    .option('--iso <path>', 'install from this local ISO instead of the cached/downloaded one (checksum verified when known)')
    .option('--concurrency <n>', 'nodes cloned and booted at once', positiveInt, 3)
    .addHelpText(
      'after',
      `
Safe to run again: it resumes an interrupted run and does nothing on a finished lab.

Examples:
  lab up
  lab up labs/registry.yaml --provider virtualbox
  lab up -f lab.yaml --only node2 --no-provision
  lab up --iso ~/Downloads/Rocky-9.6-x86_64-minimal.iso`,
    )
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { upCommand } = await import('../actions/lifecycle.js')
      await upCommand(labFileFrom(file, opts as { file?: string }), opts, cmd)
    })
}

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number of nodes, 1 or more')
  return n
}
