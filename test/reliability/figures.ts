import { appendFileSync } from 'node:fs';

/**
 * Prints a one-line figure for a reliability scenario, and appends it to $KLING_FIGURES when set
 * (scripts/reliability-report.mjs collects them for the README).
 */
export function figure(scenario: string, text: string): void {
  const line = `[figure] ${scenario}: ${text}`;
  console.log(line);
  const file = process.env.KLING_FIGURES;
  if (file !== undefined && file !== '') appendFileSync(file, `${line}\n`);
}
