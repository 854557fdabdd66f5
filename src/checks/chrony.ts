import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'

/** Every other node has selected the server (`^*` in `chronyc -n sources`), read with the other checks' reads. */
export const chronyCheck: Check<CheckOptions<'chrony'>> = async ({ lab, options, guest }) => {
  const server = lab.nodes.find((n) => n.name === options.synced_to)!
  return Promise.all(
    lab.nodes
      .filter((n) => n.name !== server.name)
      .map(async (n) => {
        const { guest: g } = await guest(n.name)
        const { sources: r } = await probeSections(g, n.name, { sources: 'chronyc -n sources 2>&1' })
        const selected = r.out.split('\n').find((l) => l.startsWith('^*'))
        const passed = r.code === 0 && selected !== undefined && selected.split(/\s+/)[1] === server.ip
        return {
          on: n.name,
          passed,
          expected: `^* ${server.ip} (${server.name}) selected`,
          found: r.code !== 0 ? r.out.trim().split('\n').pop() || `chronyc exit ${r.code}` : selected ? selected.split(/\s+/).slice(0, 2).join(' ') : 'no source selected',
        }
      }),
  )
}
