import type { Command } from 'commander'

/** Every command that reads a lab takes it as -f/--file, or as its first argument when it has no other. */
export function withLabFile(cmd: Command, positional = true): Command {
  if (positional) cmd.argument('[file]', 'lab file (or the name of a built-in lab)')
  return cmd.option('-f, --file <file>', 'lab file (default: ./lab.yaml)')
}

/** labFileFrom (lab-args.ts), loaded when a command runs: `lab --help` loads no error classes. */
export async function labFile(arg: string | undefined, opts: { file?: string }): Promise<string | undefined> {
  return (await import('./lab-args.js')).labFileFrom(arg, opts)
}
