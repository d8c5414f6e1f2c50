import { z } from 'zod';

const emailSchema = z.email();

/** One address, no display name, no line breaks: nothing from customer data can reach a mail header raw. */
export function isDeliverableEmail(value: string | null | undefined): value is string {
  if (!value || value.length > 254 || /[\r\n<>,;"]/.test(value)) return false;
  return emailSchema.safeParse(value).success;
}
