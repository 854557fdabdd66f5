import type { Check, CheckOutcome } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { probeSections } from '../modules/lib/probe-script.js'
import { shellQuote } from '../guest/remote-command.js'

type Options = CheckOptions<'harbor'>

/** `curl` printing the body, then the HTTP status on its own last line (000: no answer). */
const get = (url: string) => `curl -s -m 10 -w '\\n%{http_code}' ${shellQuote(url)}`

function split(out: string): { body: string; status: number } {
  const i = out.lastIndexOf('\n')
  return { body: i < 0 ? '' : out.slice(0, i), status: Number(out.slice(i + 1)) || 0 }
}

/**
 * Harbor's health API reports healthy; asked for, a project, a repository in it and a tag of that repository
 * are seen through Harbor's API as an anonymous reader (public projects such as library answer so).
 */
export const harborCheck: Check<Options> = async ({ lab, options, guest }) => {
  const node = lab.nodes.find((n) => n.name === options.node)!
  const { guest: g } = await guest(node.name)
  const api = `http://${node.ip}:${options.port}/api/v2.0`
  // Harbor wants a repository name with '/' URL-encoded twice in the path (a/b → a%252Fb).
  const repo = options.repository === undefined ? undefined : encodeURIComponent(encodeURIComponent(options.repository))
  const s = await probeSections(g, node.name, {
    health: ['curl', '-s', '-m', '10', `${api}/health`],
    project: options.project === undefined ? 'true' : get(`${api}/projects/${encodeURIComponent(options.project)}`),
    artifacts: repo === undefined ? 'true' : get(`${api}/projects/${encodeURIComponent(options.project!)}/repositories/${repo}/artifacts?with_tag=true&page_size=100`),
  })
  let status = ''
  try {
    status = (JSON.parse(s.health.out) as { status?: string }).status ?? ''
  } catch {
    status = s.health.code === 0 ? 'not JSON' : `no answer (curl exit ${s.health.code})`
  }
  const rows: CheckOutcome[] = [{ on: node.name, passed: status === 'healthy', expected: 'status healthy', found: status || 'no status' }]
  if (options.project === undefined) return rows
  const expected = `project ${options.project}${options.repository ? `, repository ${options.project}/${options.repository}` : ''}${options.tag ? ` with tag ${options.tag}` : ''} in Harbor`
  const project = split(s.project.out)
  if (project.status !== 200) {
    const found =
      project.status === 0 ? 'Harbor does not answer' : project.status === 404 ? `no project ${options.project}` : `project ${options.project} is not readable anonymously (HTTP ${project.status})`
    return [...rows, { on: node.name, passed: false, expected, found }]
  }
  if (options.repository === undefined) return [...rows, { on: node.name, passed: true, expected, found: `project ${options.project}` }]
  const artifacts = split(s.artifacts.out)
  if (artifacts.status !== 200) {
    const found = artifacts.status === 404 ? `no repository ${options.repository} in ${options.project}` : `reading its artifacts answered HTTP ${artifacts.status}`
    return [...rows, { on: node.name, passed: false, expected, found }]
  }
  let tags: string[] = []
  try {
    tags = (JSON.parse(artifacts.body) as Array<{ tags?: Array<{ name: string }> | null }>).flatMap((a) => (a.tags ?? []).map((t) => t.name))
  } catch {
    return [...rows, { on: node.name, passed: false, expected, found: 'its artifacts are not JSON' }]
  }
  const passed = options.tag === undefined || tags.includes(options.tag)
  return [...rows, { on: node.name, passed, expected, found: `${options.project}/${options.repository} tags: ${tags.join(', ') || 'none'}` }]
}
