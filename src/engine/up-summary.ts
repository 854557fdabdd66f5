/**
 * The line `lab up` opens with: which lab, OS and nodes, on which hypervisor and why that one, and what it
 * will download, so that a newcomer knows what the next minutes (or the next 2 GB) are for.
 */
import { cachedIso } from '../media/iso-cache.js'
import type { LabContext } from './lab-context.js'

function gib(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(1)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`
}

export async function upSummary(ctx: LabContext, opts: { provider?: string; iso?: string; bundle?: string } = {}): Promise<string> {
  const lab = ctx.loaded.lab
  const built = Boolean(ctx.state.base) || Object.keys(ctx.state.nodes).length > 0
  const why =
    opts.provider !== undefined
      ? '--provider'
      : built
        ? 'this lab was built with it'
        : lab.provider !== 'auto'
          ? 'the lab file says so'
          : 'auto: the first installed of VirtualBox, VMware, QEMU that runs this OS'
  const how = ctx.provider.capabilities.guests[lab.os.family]
  let download: string
  if (ctx.state.base) download = 'base image built already: nothing to download'
  else if (how === 'image' || lab.install.image) download = 'base image built here from packages (no ISO)'
  else if (opts.iso !== undefined) download = `installs from ${opts.iso}: nothing to download`
  else if (opts.bundle !== undefined || lab.bundle !== undefined) download = `installs from the bundle ${opts.bundle ?? lab.bundle}: nothing to download`
  else if (await cachedIso(lab.os.id, { arch: lab.os.arch })) download = 'install ISO in the cache: nothing to download'
  else {
    const size = lab.os.isos[0]?.sizeBytes
    download = `downloads the ${lab.os.title} install ISO${size ? ` (${gib(size)})` : ''} once`
  }
  const nodes = lab.nodes.map((n) => n.name)
  return `lab ${lab.name}: ${lab.os.title}${lab.os.arch === 'aarch64' ? ' (aarch64)' : ''}, ${nodes.length} node${nodes.length === 1 ? '' : 's'} (${nodes.join(', ')}) on ${ctx.info.product} (${why}); ${download}`
}
