// Turns zod issues into one readable line, e.g. `server_id: Invalid UUID; details.attempt: Invalid input`,
// short enough for a dead-letter reason header or an API error message.
import type { z } from 'zod';

export function formatZodIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map((segment) => String(segment)).join('.');
      return `${path.length > 0 ? path : '(root)'}: ${issue.message}`;
    })
    .join('; ');
}
