import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'

/** Harbor's health API reports healthy. */
export const harborCheck: Check<CheckOptions<'harbor'>> = async ({ lab, options, guest }) => {
  const node = lab.nodes.find((n) => n.name === options.node)!
  const { guest: g } = await guest(node.name)
  const r = await g.exec(['curl', '-s', '-m', '10', `http://${node.ip}:${options.port}/api/v2.0/health`])
  let status = ''
  try {
    status = (JSON.parse(r.stdout) as { status?: string }).status ?? ''
  } catch {
    status = r.code === 0 ? 'not JSON' : `no answer (curl exit ${r.code})`
  }
  return [{ on: node.name, passed: status === 'healthy', expected: 'status healthy', found: status || 'no status' }]
}
