import { z } from 'zod'
import { editorSchema } from './schema.js'

/** The JSON Schema shipped as schema/lab.schema.json (for `# yaml-language-server: $schema=…`). */
export function labJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(editorSchema(), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
  return {
    ...schema,
    $id: 'https://github.com/vmlab/vmlab/schema/lab.schema.json',
    title: 'vmlab lab file',
    description: 'A classroom lab of virtual machines: nodes, network, modules and checks.',
  }
}
