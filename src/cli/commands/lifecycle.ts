/** The lifecycle commands (actions/lifecycle.ts): build, look at, reset, snapshot and remove a lab. */
import type { Command } from 'commander'
import { InvalidArgumentError } from '../commander.js'
import { withLabFile, labFile } from '../lab-option.js'

export function up(program: Command): void {
  withLabFile(program.command('up').description('build the lab: network, base image, linked clones, boot, modules, snapshot "ready"'))
    .option('--no-provision', 'create and boot the VMs but do not run the modules')
    .option('--only <nodes...>', 'only these nodes')
    .option('--provider <name>', 'virtualbox, vmware, qemu or libvirt (default: the lab file, else the first installed)')
    .option('--iso <path>', 'install from this local ISO instead of the cached/downloaded one (checksum verified when known)')
    .option('--mirror <url>', 'download the install ISO from this mirror (as lab iso fetch --mirror; still checked against the pinned SHA-256)')
    .option('--concurrency <n>', 'nodes cloned and booted at once', positiveInt, 3)
    .option('--bundle <dir>', 'offline: the install ISO and the images from this bundle (lab bundle create), never from a registry')
    .option('--force', "start even when this machine's free memory, disk or CPUs are short of what the lab needs")
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .addHelpText(
      'after',
      `
Safe to run again: it resumes an interrupted run and does nothing on a finished lab.

Examples:
  lab up
  lab up labs/registry.yaml --provider virtualbox
  lab up -f lab.yaml --only node2 --no-provision
  lab up --iso ~/Downloads/Rocky-9.6-x86_64-minimal.iso
  lab up debian-swarm --bundle /srv/class/bundle`,
    )
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { upCommand } = await import('../actions/lifecycle.js')
      await upCommand(await labFile(file, opts as { file?: string }), opts, cmd)
    })
}

function positiveInt(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number of nodes, 1 or more')
  return n
}

export function status(program: Command): void {
  withLabFile(program.command('status').description('power state, lab IP, SSH, snapshots and last module results of every node; base image; disk use'))
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  lab status\n  lab status labs/swarm.yaml --json')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { statusCommand } = await import('../actions/lifecycle.js')
      await statusCommand(await labFile(file, opts as { file?: string }), opts, cmd)
    })
}

export function reset(program: Command): void {
  withLabFile(
    program
      .command('reset')
      .argument('[snapshot]', 'snapshot to go back to (default "ready"); a path here is the lab file')
      .argument('[file]', 'lab file (or the name of a built-in lab)')
      .description('put the whole lab back to a snapshot (default "ready"): power off, restore every node, boot, step the clocks'),
    false,
  )
    .option('--only <nodes...>', 'only these nodes (warns about swarm membership)')
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .addHelpText('after', '\nExamples:\n  lab reset\n  lab reset clean labs/swarm.yaml\n  lab reset labs/swarm.yaml\n  lab reset --only node2')
    .action(async (first: string | undefined, second: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { snapshotAndFile } = await import('../lab-args.js')
      const { snapshot, file } = snapshotAndFile(first, second, opts as { file?: string })
      const { resetCommand } = await import('../actions/lifecycle.js')
      await resetCommand(snapshot, { ...opts, ...(file !== undefined ? { file } : {}) }, cmd)
    })
}

export function snapshot(program: Command): void {
  const snap = program.command('snapshot').description('save, list and delete snapshots of the whole lab')
  const run = async (action: 'save' | 'list' | 'delete', name: string | undefined, file: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
    const f = await labFile(file, opts as { file?: string })
    await (await import('../actions/lifecycle.js')).snapshotCommand(action, name, { ...opts, ...(f !== undefined ? { file: f } : {}) }, cmd)
  }
  withLabFile(snap.command('save').argument('<name>', 'snapshot name').argument('[file]', 'lab file (or the name of a built-in lab)').description('snapshot every node (live)'), false)
    .option('--force', 'replace a snapshot of that name')
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .action(async (name: string, file: string | undefined, opts: Record<string, unknown>, cmd: Command) => run('save', name, file, opts, cmd))
  withLabFile(snap.command('list').description("every node's snapshots"))
    .option('--json', 'print as JSON')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) => run('list', undefined, file, opts, cmd))
  withLabFile(snap.command('delete').argument('<name>', 'snapshot name').argument('[file]', 'lab file (or the name of a built-in lab)').description('delete a snapshot on every node'), false)
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .action(async (name: string, file: string | undefined, opts: Record<string, unknown>, cmd: Command) => run('delete', name, file, opts, cmd))
  snap.addHelpText('after', '\nExamples:\n  lab snapshot save before-exam\n  lab snapshot list labs/swarm.yaml\n  lab reset before-exam\n  lab snapshot delete before-exam swarm')
}

export function destroy(program: Command): void {
  withLabFile(program.command('destroy').description("remove the lab's VMs, disks and network (and its base image unless kept)"))
    .option('--keep-base', 'keep the base image for a faster next `lab up`')
    .option('--force', 'do not ask; also works when the state file is damaged')
    .option('--purge', "also forget the lab's passwords and SSH keys")
    .option('--provider <name>', 'the provider, when the state file is gone')
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .addHelpText('after', '\nExamples:\n  lab destroy\n  lab destroy labs/swarm.yaml --force --keep-base')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { destroyCommand } = await import('../actions/lifecycle.js')
      await destroyCommand(await labFile(file, opts as { file?: string }), opts, cmd)
    })
}

export function creds(program: Command): void {
  withLabFile(program.command('creds').description("the lab's passwords (root, lab user, services) and SSH key path"))
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  lab creds\n  lab creds labs/registry.yaml --json')
    .action(async (file: string | undefined, opts: Record<string, unknown>) => {
      const { credsCommand } = await import('../actions/lifecycle.js')
      await credsCommand(await labFile(file, opts as { file?: string }), opts)
    })
}

export function halt(program: Command): void {
  withLabFile(program.command('halt').description('power the lab down between classes (each guest shuts down; --suspend saves its memory where the hypervisor can)'))
    .option('--only <nodes...>', 'only these nodes')
    .option('--suspend', 'save memory and power off (VirtualBox, VMware); `lab resume` continues where it was')
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .addHelpText('after', '\nExamples:\n  lab halt\n  lab halt --suspend\n  lab halt labs/swarm.yaml --only node2')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { haltCommand } = await import('../actions/lifecycle.js')
      await haltCommand(await labFile(file, opts as { file?: string }), opts, cmd)
    })
}

export function resume(program: Command): void {
  withLabFile(program.command('resume').description('bring a halted lab back: boot (or resume) its nodes, wait for SSH, step the clocks'))
    .option('--only <nodes...>', 'only these nodes')
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .addHelpText('after', '\nExamples:\n  lab resume\n  lab resume --only node2')
    .action(async (file: string | undefined, opts: Record<string, unknown>, cmd: Command) => {
      const { resumeCommand } = await import('../actions/lifecycle.js')
      await resumeCommand(await labFile(file, opts as { file?: string }), opts, cmd)
    })
}
