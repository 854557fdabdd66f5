/** The install media: ISOs (actions/iso.ts) and base images (actions/image.ts). */
import type { Command } from 'commander'
import { Option } from '../commander.js'
import { OS_CATALOG, OS_IDS, ISO_KINDS, ARCHES } from '../../lab/os-catalog.js'

export function iso(program: Command): void {
  const iso = program
    .command('iso')
    .description('download install ISOs into the cache (checked against pinned SHA-256), list them, show their path')
    .addHelpText(
      'after',
      '\nThe cache is ~/.cache/vmlab/isos (macOS ~/Library/Caches/vmlab/isos, Windows %LOCALAPPDATA%\\vmlab\\Cache\\isos);\nVMLAB_CACHE_DIR=DIR puts it in DIR/isos.\n\nExamples:\n  lab iso list\n  lab iso fetch rocky9\n  lab iso path rocky9',
    )

  iso
    .command('fetch')
    .description("download an OS's install ISO into the cache, resuming a partial download, and verify its SHA-256")
    .argument('<os>', `one of: ${OS_IDS.filter((id) => OS_CATALOG[id].isos.length > 0).join(', ')}`)
    .option('--mirror <url>', 'download from this mirror instead of the official servers (see below)')
    .addOption(new Option('--kind <kind>', 'which ISO: minimal installs from the disc, boot/dvd as listed by lab iso list (default: the first listed)').choices(ISO_KINDS))
    .option('--insecure-skip-checksum', 'accept an ISO that has no trusted checksum (prints a warning)')
    .addOption(new Option('--arch <arch>', "the guests' CPU (default x86_64); aarch64 for Apple Silicon labs").choices(ARCHES))
    .option('--json', 'print the result line as JSON (NDJSON; the download progress stays on stderr)')
    .addHelpText(
      'after',
      () =>
        `\n${mirrorHelp()}\n\nExamples:\n  lab iso fetch rocky9\n  lab iso fetch rocky9 --arch aarch64\n  lab iso fetch centos7 --kind boot\n  lab iso fetch alma9 --mirror https://mirror.example.edu/almalinux/`,
    )
    .action(async (os: string, opts: { mirror?: string; kind?: string; insecureSkipChecksum?: boolean; arch?: 'x86_64' | 'aarch64'; json?: boolean }) => {
      const { runIsoFetch } = await import('../actions/iso.js')
      await runIsoFetch(os, opts, process.stderr)
    })

  iso
    .command('list')
    .description('show each OS, its install ISOs and whether they are in the cache')
    .option('--json', 'print the catalog and cache state as JSON')
    .addHelpText('after', '\nExamples:\n  lab iso list\n  lab iso list --json')
    .action(async (opts: { json?: boolean }) => {
      const { runIsoList } = await import('../actions/iso.js')
      await runIsoList(opts)
    })

  iso
    .command('path')
    .description('print the path of the verified cached ISO of an OS; exit code 1 when there is none')
    .argument('<os>', 'the OS, as in lab iso list')
    .addOption(new Option('--kind <kind>', 'only this kind of ISO').choices(ISO_KINDS))
    .addOption(new Option('--arch <arch>', "the guests' CPU (default x86_64)").choices(ARCHES))
    .option('--json', 'print the OS, kind and path as JSON')
    .addHelpText('after', '\nExamples:\n  lab iso path rocky9\n  lab iso path rocky9 --arch aarch64\n  qemu-img info "$(lab iso path centos7)"')
    .action(async (os: string, opts: { kind?: string; arch?: 'x86_64' | 'aarch64'; json?: boolean }) => {
      const { runIsoPath } = await import('../actions/iso.js')
      await runIsoPath(os, opts)
    })
}

/** How --mirror rewrites each OS's URL, made from the catalog so that it cannot drift. */
function mirrorHelp(): string {
  const rows = OS_IDS.flatMap((id) => {
    const first = OS_CATALOG[id].isos[0]
    return first?.mirrorPath ? [`  ${id.padEnd(15)} MIRROR/${first.mirrorPath}`] : []
  })
  return [
    "--mirror MIRROR replaces everything before the distribution's own path, so MIRROR is the mirror's",
    'directory that holds the release folders (7.9.2009/, 9.6/, 9-stream/ ...). A trailing / is optional.',
    'The file is then taken from:',
    ...rows,
    'For example, lab iso fetch rocky9 --mirror https://mirror.example.edu/rocky downloads',
    `  https://mirror.example.edu/rocky/${OS_CATALOG.rocky9.isos[0]?.mirrorPath ?? ''}`,
    'The download is still checked against the pinned SHA-256. CentOS Stream (rolling) is checked',
    'against the SHA256SUM published on mirror.stream.centos.org, which must then be reachable.',
  ].join('\n')
}

export function image(program: Command): void {
  const image = program.command('image').description('base images for OSes that are not installed from an ISO (QEMU)')
  image
    .command('build')
    .argument('<os>', 'debian12')
    .description('build (or find in the cache) the Debian 12 image with debootstrap; Linux, as root')
    .option('--packages <names...>', 'extra packages to bake in')
    .option('--mirror <url>', "Debian mirror (default: the host's own, else deb.debian.org)")
    .option('--force', 'build again even when the cache holds an image with the same inputs')
    .option('--json', 'NDJSON on stdout: progress events, then the result')
    .addHelpText(
      'after',
      '\n`lab up` builds it by itself when a lab needs it; this command builds it ahead of time.\n\nExamples:\n  sudo lab image build debian12\n  sudo lab image build debian12 --packages docker.io apparmor',
    )
    .action(async (os: string, opts: { packages?: string[]; mirror?: string; force?: boolean; json?: boolean }) => {
      const { imageBuildCommand } = await import('../actions/image.js')
      await imageBuildCommand(os, opts)
    })
}
