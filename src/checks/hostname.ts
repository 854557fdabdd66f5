/**
 * The node's name as the task asks it: `hostname -f` gives the full name, the kernel's name is that name or
 * its first label, and /etc/hostname holds one of them, so the name comes back after a reboot.
 */
import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { fileSection, parseFileSection } from '../modules/lib/remote-file.js'
import { eachNode, namedNodes } from './lib/node-rows.js'

/** The kernel's name, read by the shell (the hosts module reads it with the same text, so a batch runs it once). */
export const KERNEL_NAME = 'read -r h </proc/sys/kernel/hostname && echo "$h"'

const short = (name: string) => name.split('.')[0]!.toLowerCase()

/** The name in an /etc/hostname text: its first line that is not a comment (systemd's rule). */
export function staticName(content: string | undefined): string | undefined {
  return content
    ?.split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'))
}

export const hostnameCheck: Check<CheckOptions<'hostname'>> = async (ctx) => {
  const wanted = (node: { name: string; fqdn: string }) => ctx.options.fqdn[node.name] ?? node.fqdn
  return eachNode(
    ctx,
    namedNodes(ctx.lab, ctx.options.nodes),
    (node) => `host name ${wanted(node)} (short ${short(wanted(node))}), kept across reboots`,
    async (node, guest) => {
      const want = wanted(node).toLowerCase()
      const s = await probeSections(guest, node.name, { kernel: KERNEL_NAME, full: 'hostname -f 2>&1', etc: fileSection('/etc/hostname') })
      const kernel = s.kernel.out.trim()
      const full = s.full.out.trim()
      const kept = staticName(parseFileSection('/etc/hostname', s.etc.out).content)
      const problems: string[] = []
      if (short(kernel) !== short(want)) problems.push(`the name is ${kernel}`)
      else if (s.full.code === 127) problems.push('the hostname command is missing, so the full name cannot be read')
      else if (s.full.code !== 0) problems.push(`${kernel} has no full name (${full.split('\n').pop() || `hostname -f exit ${s.full.code}`})`)
      else if (full.toLowerCase() !== want) problems.push(`the full name is ${full}`)
      if (kept === undefined) problems.push('no name in /etc/hostname: the name is lost at the next boot')
      else if (kept.toLowerCase() !== want && kept.toLowerCase() !== short(want)) problems.push(`/etc/hostname says ${kept}: the name changes at the next boot`)
      return { passed: problems.length === 0, found: problems.length ? problems.join('; ') : `${full} (short ${short(kernel)})` }
    },
  )
}
