/**
 * The base VM a lab's nodes are linked clones of: installed once (kickstart from the ISO, or an image the
 * provider builds), snapshotted, and reused as long as its inputs stay the same. A different input (OS,
 * disk size, kickstart, packages baked in) gives a new key, so a new base is built beside the old one.
 */
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import type { LoadedLab } from '../lab/load.js'
import type { ProviderName } from '../lab/schema.js'
import { baseName } from '../lab/vm-names.js'
import type { Provider, NetworkHandle, BaseSource, CloudBaseSeedInput } from '../providers/provider.js'
import { anyOf, providersThat } from '../providers/capabilities.js'
import type { CloudImageRef } from './cloud-image.js'
import { renderKickstart } from '../kickstart/render.js'
import { writeOemdrvIso } from '../media/oemdrv.js'
import { cachedIso } from '../media/iso-cache.js'
import { fetchIso } from '../media/fetch-iso.js'
import { resolveLocalIso } from '../media/local-iso.js'
import { stateLayout } from '../state/layout.js'
import { LabError } from '../util/errors.js'
import { kickstartInput } from './kickstart-input.js'
import { BASE_SNAPSHOT, baseSpec } from './vm-specs.js'
import type { LabCredentials } from './credentials.js'
import type { Reporter } from './events.js'
import type { ProgressStream } from '../media/download-progress.js'

export { BASE_SNAPSHOT } from './vm-specs.js'

export interface BasePlan {
  name: string
  key: string
  /** The kickstart for EL bases (undefined for image-based OSes). */
  kickstart?: string
  /** The source of a base built from the lab's cloud image. */
  cloudImage?: Extract<BaseSource, { kind: 'cloud-image' }>
}

/** What the base's first boot from a cloud image sets up: the packages baked in, the lab's passwords and user. */
function cloudBaseSeedInput(loaded: LoadedLab, creds: LabCredentials, packages: string[]): CloudBaseSeedInput {
  const lab = loaded.lab
  return {
    instanceId: `vmlab-base-${lab.name}`,
    packages: [...lab.install.packages, ...packages].sort(),
    rootPasswordHash: creds.secrets.rootPasswordHash,
    user: { name: lab.install.user.name, passwordHash: creds.secrets.userPasswordHash, sudo: lab.install.user.sudo },
  }
}

/**
 * `medium`: the install ISO's kind; a boot ISO carries no packages, so the kickstart installs from the network.
 * `image`: the lab's cloud image (install.image), whose hash and first-boot seed are part of the key.
 */
export function planBase(loaded: LoadedLab, provider: ProviderName, creds: LabCredentials, packages: string[], medium?: InstallMedium, image?: CloudImageRef): BasePlan {
  const lab = loaded.lab
  if (lab.install.image !== undefined) {
    if (image === undefined) throw new LabError('internal: the cloud image was not hashed before planning the base')
    const seed = cloudBaseSeedInput(loaded, creds, packages)
    const disk = Math.max(...lab.nodes.map((n) => n.disk))
    const key = createHash('sha256')
      .update(JSON.stringify({ os: lab.os.id, provider, disk, image: image.sha256, seed, lab: lab.name }))
      .digest('hex')
    return { name: baseName(lab.os.id, key), key, cloudImage: { kind: 'cloud-image', image: image.path, sha256: image.sha256, seed } }
  }
  let kickstart: string | undefined
  if (lab.os.family !== 'debian') {
    const input = kickstartInput(lab, { kind: 'base' }, creds, provider)
    if (medium?.kind === 'boot' && input.source.kind === 'cdrom') input.source = { kind: 'url', url: lab.install.mirror ?? lab.os.installUrl!, repos: [] }
    kickstart = renderKickstart({ ...input, packages: [...lab.install.packages, ...packages] })
  }
  const disk = Math.max(...lab.nodes.map((n) => n.disk))
  const key = createHash('sha256')
    .update(JSON.stringify({ os: lab.os.id, provider, disk, kickstart: kickstart ?? null, packages: kickstart ? [...packages].sort() : imagePackages(lab, packages), lab: lab.name }))
    .digest('hex')
  return { name: baseName(lab.os.id, key), key, ...(kickstart ? { kickstart } : {}) }
}

/** What an image-built base installs: the modules' baked packages and the lab's install.packages (a kickstart carries those itself). */
function imagePackages(lab: LoadedLab['lab'], baked: readonly string[]): string[] {
  return [...new Set([...lab.install.packages, ...baked])].sort()
}

export async function ensureBase(opts: {
  loaded: LoadedLab
  provider: Provider
  plan: BasePlan
  network: NetworkHandle
  packages: string[]
  medium?: InstallMedium
  report: Reporter
}): Promise<'reused' | 'built'> {
  const { loaded, provider, plan, network, report } = opts
  const lab = loaded.lab
  if ((await provider.state(plan.name)) !== 'missing' && (await provider.snapshotList(plan.name)).includes(BASE_SNAPSHOT)) return 'reused'
  // A base without its snapshot was interrupted half way: start it again from nothing.
  if ((await provider.state(plan.name)) !== 'missing') {
    report({ type: 'info', message: `removing the unfinished base ${plan.name} to build it again` })
    await provider.stop(plan.name, { force: true })
    await provider.destroy(plan.name)
  }
  let source: BaseSource
  if (plan.cloudImage !== undefined) {
    if (!provider.capabilities.cloudImages) {
      const booting = anyOf(providersThat((c) => c.cloudImages !== undefined))
      throw new LabError(`the ${provider.name} provider cannot build a base from a cloud image`, { hint: `use provider: ${booting} (or lab up --provider ${booting}), or remove install.image` })
    }
    report({ type: 'info', message: `first boot of the cloud image ${plan.cloudImage.image}: cloud-init installs ${plan.cloudImage.seed.packages.length} packages, then the base powers off` })
    source = plan.cloudImage
  } else if (plan.kickstart === undefined) {
    if (!provider.imageSource) {
      const builders = anyOf(providersThat((c) => c.guests[lab.os.family] === 'image'))
      throw new LabError(`the ${provider.name} provider cannot build ${lab.os.title} guests`, { hint: `use provider: ${builders} for Debian labs` })
    }
    source = await provider.imageSource(lab.os, { packages: imagePackages(lab, opts.packages), onProgress: (m) => report({ type: 'info', message: m }) })
  } else {
    if (!opts.medium) throw new LabError(`no install medium for ${lab.os.title}`)
    const installIso = opts.medium.path
    const oemdrv = join(stateLayout(loaded.stateDir).mediaDir, `${plan.name}-oemdrv.iso`)
    await writeOemdrvIso(oemdrv, plan.kickstart, { date: new Date(0) })
    source = { kind: 'iso', installIso, oemdrvIso: oemdrv }
  }
  await provider.createBase(baseSpec(lab, plan.name, source, network))
  await provider.snapshotTake(plan.name, BASE_SNAPSHOT)
  return 'built'
}

export interface InstallMedium {
  path: string
  kind: 'minimal' | 'dvd' | 'boot'
}

/**
 * The install ISO: the one given with --iso (checked against the catalog), else the cache, else downloaded,
 * its progress drawn on `progress` (the CLI's stderr; none: not shown).
 */
export async function installMedium(loaded: LoadedLab, iso: string | undefined, report: Reporter, progress?: ProgressStream, mirror?: string): Promise<InstallMedium> {
  const os = loaded.lab.os
  if (iso !== undefined) {
    const local = await resolveLocalIso(os.id, iso, { arch: os.arch, warn: (m: string) => report({ type: 'warn', message: m }) })
    return { path: local.path, kind: local.kind }
  }
  for (const image of os.isos) {
    const cached = await cachedIso(os.id, { kind: image.kind, arch: os.arch })
    if (cached) return { path: cached, kind: image.kind }
  }
  report({ type: 'info', message: `downloading the ${os.title} install ISO (once; it is kept in the cache)` })
  const fetched = await fetchIso(os.id, { arch: os.arch, ...(progress ? { stderr: progress } : {}), ...(mirror ? { mirror } : {}) })
  return { path: fetched.path, kind: fetched.iso.kind }
}
