import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'

/** The registry answers /v2/ (and lists the repository when one is named). */
export const registryCheck: Check<CheckOptions<'registry'>> = async ({ lab, options, guest }) => {
  const node = lab.nodes.find((n) => n.name === options.node)!
  const { guest: g } = await guest(node.name)
  const url = `http://${node.ip}:${options.port}/v2/_catalog`
  const r = await g.exec(['curl', '-sf', '-m', '10', url])
  let repos: string[] = []
  try {
    repos = (JSON.parse(r.stdout) as { repositories?: string[] }).repositories ?? []
  } catch {
    // not JSON: reported below
  }
  const passed = r.code === 0 && (options.repository === undefined || repos.includes(options.repository))
  return [
    {
      on: node.name,
      passed,
      expected: options.repository ? `${url} lists ${options.repository}` : `${url} answers`,
      found: r.code !== 0 ? `no answer (curl exit ${r.code})` : `repositories: ${repos.join(', ') || 'none'}`,
    },
  ]
}
