import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'

/** A teacher's own check: a command's exit status (and output). */
export const execCheck: Check<CheckOptions<'exec'>> = async ({ lab, options, guest }) => {
  const names = options.nodes === 'all' ? lab.nodes.map((n) => n.name) : options.nodes
  return Promise.all(
    names.map(async (name) => {
      const { guest: g } = await guest(name)
      const r = await g.exec(options.command)
      const out = r.stdout + r.stderr
      const passed = r.code === options.exit && (options.contains === undefined || out.includes(options.contains))
      return {
        on: name,
        passed,
        expected: `exit ${options.exit}${options.contains ? ` and "${options.contains}"` : ''}`,
        found: `exit ${r.code}${options.contains && !out.includes(options.contains) ? `, output without "${options.contains}"` : ''}`,
      }
    }),
  )
}
