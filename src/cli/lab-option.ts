import type { Command } from 'commander'

/** Every command that reads a lab takes it as -f/--file, or as its first argument when it has no other. */
export function withLabFile(cmd: Command, positional = true): Command {
  if (positional) cmd.argument('[file]', 'lab file (or the name of a built-in lab)')
  return cmd.option('-f, --file <file>', 'lab file (default: ./lab.yaml)')
}

export function labFileFrom(arg: string | undefined, opts: { file?: string }): string | undefined {
  return opts.file ?? arg
}
