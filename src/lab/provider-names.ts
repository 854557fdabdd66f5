/** The hypervisors a lab can name, one folder each under src/providers; the lab state records which one made it. */
export const PROVIDER_NAMES = ['virtualbox', 'vmware', 'qemu', 'libvirt', 'proxmox'] as const
export type ProviderName = (typeof PROVIDER_NAMES)[number]
