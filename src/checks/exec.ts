import type { Check } from './check.js'
import type { CheckOptions } from '../lab/module-options.js'
import { asUser } from './lib/as-user.js'

/** A teacher's own check: a command's exit status (and output), as root or (`sudo: false`) as the lab's user. */
export const execCheck: Check<CheckOptions<'exec'>> = async ({ lab, options, guest }) => {
  const names = options.nodes === 'all' ? lab.nodes.map((n) => n.name) : options.nodes
  const user = options.sudo ? undefined : lab.install.user.name
  const command = user === undefined ? options.command : asUser(user, options.command)
  return Promise.all(
    names.map(async (name) => {
      const { guest: g } = await guest(name)
      const r = await g.exec(command)
      const out = r.stdout + r.stderr
      const passed = r.code === options.exit && (options.contains === undefined || out.includes(options.contains))
      return {
        on: name,
        passed,
        expected: `exit ${options.exit}${options.contains ? ` and "${options.contains}"` : ''}${user === undefined ? '' : `, as ${user}`}`,
        found: `exit ${r.code}${options.contains && !out.includes(options.contains) ? `, output without "${options.contains}"` : ''}`,
      }
    }),
  )
}
