/** The offline classroom: bundles (actions/bundle.ts) and the classroom cache (actions/cache.ts). */
import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function bundle(program: Command): void {
  const bundle = program.command('bundle').description("a lab's downloads in one folder (ISOs, container images, files), for a classroom without internet")
  withLabFile(bundle.command('create').description('collect everything the lab and its exercises need into a folder with a manifest (name, source, size, sha256)'))
    .option('--out <dir>', 'the bundle folder (default: ./bundle-LAB)')
    .option('--platform <os/arch>', 'the image platform to take from multi-platform images', 'linux/amd64')
    .option('--json', 'NDJSON on stdout: one line per artifact, then the result')
    .addHelpText(
      'after',
      '\nRun it once on a machine online; run it again to complete a bundle: what is there is kept.\nOS packages are listed in the manifest but not collected yet (bake them into the base image).\n\nExamples:\n  lab bundle create debian-swarm --out /srv/class/bundle\n  lab bundle verify /srv/class/bundle\n  lab up debian-swarm --bundle /srv/class/bundle',
    )
    .action(async (file: string | undefined, opts: Record<string, unknown>) => {
      const { bundleCreateCommand } = await import('../actions/bundle.js')
      await bundleCreateCommand(labFileFrom(file, opts as { file?: string }), opts)
    })
  bundle
    .command('verify')
    .argument('<dir>', 'the bundle folder')
    .description('re-hash every file of a bundle; names each one missing or changed and how to fix it')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExit code 1 when something is missing or changed.\n\nExamples:\n  lab bundle verify ./bundle-swarm')
    .action(async (dir: string, opts: Record<string, unknown>) => {
      const { bundleVerifyCommand } = await import('../actions/bundle.js')
      await bundleVerifyCommand(dir, opts)
    })
}
