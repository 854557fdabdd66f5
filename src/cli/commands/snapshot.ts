import type { Command } from 'commander'
import { withLabFile } from '../lab-option.js'

export function register(program: Command): void {
  const snap = program.command('snapshot').description('save, list and delete snapshots of the whole lab')
  withLabFile(snap.command('save').argument('<name>', 'snapshot name').description('snapshot every node (live)'), false)
    .option('--force', 'replace a snapshot of that name')
    .action(async (name: string, opts: Record<string, unknown>, cmd: Command) => (await import('../actions/lifecycle.js')).snapshotCommand('save', name, opts, cmd))
  withLabFile(snap.command('list').description("every node's snapshots"), false)
    .option('--json', 'print as JSON')
    .action(async (opts: Record<string, unknown>, cmd: Command) => (await import('../actions/lifecycle.js')).snapshotCommand('list', undefined, opts, cmd))
  withLabFile(snap.command('delete').argument('<name>', 'snapshot name').description('delete a snapshot on every node'), false).action(
    async (name: string, opts: Record<string, unknown>, cmd: Command) => (await import('../actions/lifecycle.js')).snapshotCommand('delete', name, opts, cmd),
  )
  snap.addHelpText('after', '\nExamples:\n  lab snapshot save before-exam\n  lab snapshot list\n  lab reset before-exam\n  lab snapshot delete before-exam')
}
