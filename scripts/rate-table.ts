// Renders the README's price and support tables from the catalog, so the two cannot drift apart
// (test/readme.test.ts checks the README holds exactly this). Run: npx tsx scripts/rate-table.ts
import { pathToFileURL } from 'node:url';
import {
  CAPABILITIES,
  type FieldSupport,
  GATEWAY_IDS,
  GATEWAYS,
  type OptionalField,
  RATE_TABLES,
} from '../src/catalog/index.js';

export function renderRateTable(): string {
  const lines = [
    '| Gateway | Vendor row | Mode | Sound | Per second | Minimum billed | Source | As of |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const id of GATEWAY_IDS) {
    const table = RATE_TABLES[id];
    for (const row of table.rows) {
      const figures: string[] = [];
      if (row.perSecond?.usd !== undefined) figures.push(`$${row.perSecond.usd}`);
      if (row.perSecond?.credits !== undefined) figures.push(`${row.perSecond.credits} credits`);
      if (row.perSecond?.credits !== undefined && table.usdPerCredit !== null) {
        const usd = Math.round(row.perSecond.credits * table.usdPerCredit.value * 1e4) / 1e4;
        figures.push(`(${table.usdPerCredit.approximate ? '~' : ''}$${usd})`);
      }
      const price = figures.length > 0 ? figures.join(' · ').replace(' · (', ' (') : '**not published**';
      const minimum = table.minimumBilledSeconds > 0 ? `${table.minimumBilledSeconds} s` : '—';
      const source = `\`${row.source}\``;
      lines.push(
        `| ${GATEWAYS[id].vendor} | \`${row.key}\` | ${row.mode} | ${row.sound ? 'on' : 'off'} | ${price} | ${minimum} | ${source} | ${row.asOf} |`,
      );
    }
  }
  return lines.join('\n');
}

/** The README's support matrix: which request fields each gateway honours, from the catalog. */
export function renderSupportTable(): string {
  const header = `| Request field | ${GATEWAY_IDS.map((id) => GATEWAYS[id].vendor).join(' | ')} |`;
  const lines = [header, `|---|${GATEWAY_IDS.map(() => '---').join('|')}|`];
  const cell = (support: FieldSupport): string => {
    if (support.support === 'yes') return '✅';
    if (support.support === 'no') return '—';
    return support.support === 'only-with'
      ? `✅ with \`${support.field}\``
      : `✅ without \`${support.field}\``;
  };
  const row = (name: string, cells: string[]) => lines.push(`| ${name} | ${cells.join(' | ')} |`);
  row(
    '`mode`',
    GATEWAY_IDS.map((id) => CAPABILITIES[id].modes.join(', ')),
  );
  row(
    '`duration` 3–15 s, `sound`',
    GATEWAY_IDS.map(() => '✅'),
  );
  row(
    '`prompt`',
    GATEWAY_IDS.map((id) => {
      const except = CAPABILITIES[id].prompt.exceptWith;
      const names = except.map((e) => (e === 'customShots' ? "`multiShot` 'customize'" : `\`${e}\``));
      return names.length === 0 ? 'required' : `required unless ${names.join(' or ')}`;
    }),
  );
  row(
    '`multiShot`',
    GATEWAY_IDS.map((id) => CAPABILITIES[id].multiShot.join(', ') || '—'),
  );
  for (const field of Object.keys(CAPABILITIES.apiinone.fields) as OptionalField[]) {
    row(
      `\`${field}\``,
      GATEWAY_IDS.map((id) => cell(CAPABILITIES[id].fields[field])),
    );
  }
  row(
    '`idempotencyKey` (safe submit retries)',
    GATEWAY_IDS.map((id) => (CAPABILITIES[id].idempotencyKey ? '✅' : '—')),
  );
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`${renderSupportTable()}\n\n${renderRateTable()}`);
}
