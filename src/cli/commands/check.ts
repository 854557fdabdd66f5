import type { Command } from 'commander'
import { withLabFile, labFileFrom } from '../lab-option.js'

export function register(program: Command): void {
  withLabFile(
    program
      .command('check')
      .argument('[exercise...]', "exercises to grade (a course's ids; default: all of them), or the lab file")
      .description("grade exercises (points, and what is missing for each failing check), or run a lab's own checks (swarm ready, replicas, HTTP …); exit 0 only if all pass"),
    false,
  )
    .option('--student <id>', 'your student id (kept for this lab after the first use)')
    .option('--lang <lang>', 'language of the messages: en or zh')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nA course lab grades its exercises; any other lab runs its checks: list.\n\nExamples:\n  lab check service-scale\n  lab check --json\n  lab check labs/swarm.yaml')
    .action(async (args: string[], opts: Record<string, unknown>, cmd: Command) => {
      const { checkTarget } = await import('../actions/check-target.js')
      const target = await checkTarget(args, opts as { file?: string })
      if (target.exercises) await (await import('../actions/course.js')).checkExercisesCommand(target.exercises, { ...opts, ...(target.file ? { file: target.file } : {}) }, cmd)
      else await (await import('../actions/guest.js')).checkCommand(labFileFrom(target.file, opts as { file?: string }), opts, cmd)
    })
}
