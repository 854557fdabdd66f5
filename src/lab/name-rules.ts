import { z } from 'zod'

/** RFC 1123 label: what a hostname part and a VM name fragment can be. */
export const LABEL_RE = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/

export const labelSchema = (what: string) =>
  z
    .string()
    .max(63, { error: `a ${what} is at most 63 characters (RFC 1123 label)` })
    .regex(LABEL_RE, {
      error: `a ${what} uses lower-case letters, digits and '-', starts with a letter and does not end with '-'`,
    })

/** A reference to a node of this lab by its name; checked against `nodes:` after parsing. */
export const nodeRef = z.string().min(1).meta({ description: 'name of a node of this lab' })

export const nodeRefs = z.array(nodeRef).min(1)
