/** The offline classroom: bundles (actions/bundle.ts) and the classroom cache (actions/cache.ts). */
import type { Command } from 'commander'
import { InvalidArgumentError } from '../commander.js'
import { withLabFile, labFile } from '../lab-option.js'

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
      await bundleCreateCommand(await labFile(file, opts as { file?: string }), opts)
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

function portNumber(value: string): number {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('a port is a whole number 1-65535')
  return n
}

export function cache(program: Command): void {
  const cache = program.command('cache').description("the classroom cache on the teacher's host: registry pull-through mirrors and the bundle over HTTP")
  withLabFile(cache.command('up').description('start a pull-through registry per upstream (Docker Hub by default) and, with --bundle, serve the bundle over HTTP'))
    .option('--port <n>', "the first upstream's mirror listens here, the next ones on the ports after it", portNumber, 5000)
    .option('--upstream <url...>', 'upstream registries, one mirror each (default: Docker Hub)')
    .option('--bundle <dir>', 'serve this bundle folder over HTTP')
    .option('--http-port <n>', "the bundle's HTTP port", portNumber, 8090)
    .option('--listen <address>', 'the address to listen on (default: every interface, so that the nodes reach it)', '0.0.0.0')
    .option('--json', 'print the services as JSON')
    .addHelpText(
      'after',
      '\nThe processes outlive the command; their configs, logs and pid files are in .lab/<lab>/cache/ (0700).\nPoint the lab at it: docker: { registry_mirrors: ["http://HOST:5000"] } (Docker Hub images only;\nimages of another upstream are pulled as HOST:PORT/NAME, with insecure_registries: ["HOST:PORT"]).\n\nExamples:\n  lab cache up swarm\n  lab cache up swarm --bundle /srv/class/bundle --upstream https://registry-1.docker.io https://ghcr.io\n  lab cache status\n  lab cache down',
    )
    .action(async (file: string | undefined, opts: Record<string, unknown>) => {
      const { cacheUpCommand } = await import('../actions/cache.js')
      await cacheUpCommand(await labFile(file, opts as { file?: string }), opts)
    })
  withLabFile(cache.command('status').description("the cache's services: what each serves, its port, whether it runs"))
    .option('--json', 'print as JSON')
    .action(async (file: string | undefined, opts: Record<string, unknown>) => {
      const { cacheStatusCommand } = await import('../actions/cache.js')
      await cacheStatusCommand(await labFile(file, opts as { file?: string }), opts)
    })
  withLabFile(cache.command('down').description("stop the cache's processes (the cached images are kept for the next up)"))
    .option('--json', 'print what was stopped as JSON')
    .action(async (file: string | undefined, opts: Record<string, unknown>) => {
      const { cacheDownCommand } = await import('../actions/cache.js')
      await cacheDownCommand(await labFile(file, opts as { file?: string }), opts)
    })
}
