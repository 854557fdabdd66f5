import type { Command } from 'commander'

export function register(program: Command): void {
  const image = program.command('image').description('base images for OSes that are not installed from an ISO (QEMU)')
  image
    .command('build')
    .argument('<os>', 'debian12')
    .description('build (or find in the cache) the Debian 12 image with debootstrap; Linux, as root')
    .option('--packages <names...>', 'extra packages to bake in')
    .option('--mirror <url>', "Debian mirror (default: the host's own, else deb.debian.org)")
    .option('--force', 'build again even when the cache holds an image with the same inputs')
    .addHelpText(
      'after',
      '\n`lab up` builds it by itself when a lab needs it; this command builds it ahead of time.\n\nExamples:\n  sudo lab image build debian12\n  sudo lab image build debian12 --packages docker.io apparmor',
    )
    .action(async (os: string, opts: { packages?: string[]; mirror?: string; force?: boolean }) => {
      const { imageBuildCommand } = await import('../actions/image.js')
      await imageBuildCommand(os, opts)
    })
}
