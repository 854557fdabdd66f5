/**
 * Each hypervisor's capabilities by name, for what lab/, engine/ and the CLI decide before (or without)
 * loading a provider: which guests it makes, whether it boots cloud images, its MAC range. Static data only:
 * nothing here loads a provider, and nothing here loads src/lab (lab/ asks this, so that would be a circle).
 */
import type { ProviderName } from '../lab/schema.js'
import type { OsId } from '../lab/os-catalog.js'
import type { Capabilities, FileProblem } from './provider.js'
import { VIRTUALBOX_CAPABILITIES } from './virtualbox/capabilities.js'
import { VMWARE_CAPABILITIES } from './vmware/capabilities.js'
import { QEMU_CAPABILITIES } from './qemu/capabilities.js'
import { LIBVIRT_CAPABILITIES } from './libvirt/capabilities.js'
import { PROXMOX_CAPABILITIES } from './proxmox/capabilities.js'

/** In the order messages name them (the schema's). */
const BY_NAME: Record<ProviderName, Capabilities> = {
  virtualbox: VIRTUALBOX_CAPABILITIES,
  vmware: VMWARE_CAPABILITIES,
  qemu: QEMU_CAPABILITIES,
  libvirt: LIBVIRT_CAPABILITIES,
  proxmox: PROXMOX_CAPABILITIES,
}

export function capabilitiesOf(name: ProviderName): Capabilities {
  return BY_NAME[name]
}

/** The providers for which `can` holds. */
export function providersThat(can: (c: Capabilities) => boolean): ProviderName[] {
  return (Object.keys(BY_NAME) as ProviderName[]).filter((name) => can(BY_NAME[name]))
}

/** "a", "a or b", "a, b or c": how a message names the providers that can. */
export function anyOf(words: readonly string[]): string {
  return words.length < 2 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`
}

/**
 * What is wrong with the cloud image file a lab names. `provider: auto`, or a provider that boots none (a
 * problem of its own), has the file checked for the first provider that boots them: the one the lab is told to use.
 */
export function cloudImageProblem(provider: ProviderName | 'auto', path: string): FileProblem | undefined {
  const own = provider === 'auto' ? undefined : BY_NAME[provider].cloudImages
  const support = own ?? providersThat((c) => c.cloudImages !== undefined).map((name) => BY_NAME[name].cloudImages)[0]
  return support?.check(path)
}

/**
 * The disks `lab plan --commands` shows for a base that is not installed from an ISO: the copy of a cloud
 * image, or the image built for the OS. A provider that makes neither is shown the ones the provider that
 * makes them would: its createBase then answers the plan as it would that file.
 */
export function plannedDisks(name: ProviderName): { cloudImage: string; image(os: OsId): string } {
  const first = <T>(pick: (c: Capabilities) => T | undefined): T => (pick(BY_NAME[name]) ?? providersThat((c) => pick(c) !== undefined).map((n) => pick(BY_NAME[n]))[0])!
  return { cloudImage: first((c) => c.cloudImages?.plannedCopy), image: (os) => first((c) => c.plannedImage)(os) }
}
