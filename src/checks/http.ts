import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { firstManager } from '../lab/targets.js'
import { probeSections } from '../modules/lib/probe-script.js'

/**
 * An HTTP answer on the port of every listed node, asked from inside the lab (the first manager), so the
 * routing mesh and the lab network are what is tested, whatever the host can reach; the requests go
 * out together with the other checks' reads.
 */
export const httpCheck: Check<CheckOptions<'http'>> = async ({ lab, options, guest }) => {
  const from = firstManager(lab)
  const { guest: g } = await guest(from)
  const names = options.nodes === 'all' ? lab.nodes.map((n) => n.name) : options.nodes
  return Promise.all(
    names.map(async (name) => {
      const node = lab.nodes.find((n) => n.name === name)!
      const url = `http://${node.ip}:${options.port}${options.path}`
      const { answer: r } = await probeSections(g, from, { answer: ['curl', '-s', '-m', '10', '-o', '-', '-w', '\n%{http_code}', url] })
      const body = r.out.slice(0, r.out.lastIndexOf('\n'))
      const code = Number(r.out.slice(r.out.lastIndexOf('\n') + 1))
      const passed = r.code === 0 && code === options.status && (options.contains === undefined || body.includes(options.contains))
      const expected = `${url} → ${options.status}${options.contains ? ` containing "${options.contains}"` : ''}`
      const found =
        r.code === 127
          ? 'curl is not installed on ' + from
          : r.code !== 0
            ? `no answer (curl exit ${r.code})`
            : `${code}${options.contains && !body.includes(options.contains) ? `, body without "${options.contains}"` : ''}`
      return { on: name, passed, expected, found }
    }),
  )
}
