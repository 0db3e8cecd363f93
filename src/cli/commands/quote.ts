import type { Command } from 'commander';
import {
  type CostEstimate,
  estimateCost,
  findMissingRequired,
  findUnsupported,
  GATEWAY_IDS,
  GATEWAYS,
  type GatewayId,
  type PricingOptions,
  quote,
  validateForGateway,
} from 'kling-sdk';
import { addGatewayOption, type GatewayFlags, gatewayFrom, numberFlag } from '../connection.js';
import { addJsonOption, begin, type Context, type JsonFlag, withHelp } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { describeEstimate, inUsd, perSecond, table, total } from '../format.js';
import { addRequestOptions, type RequestFlags, requestFromFlags } from '../request-options.js';

interface PricingFlags {
  usdPerCredit?: string;
}

function addPricingOption(command: Command): Command {
  return command.option(
    '--usd-per-credit <usd>',
    "your dollar value of one credit (apiframe publishes none; overrides API in One's ~$0.01)",
  );
}

export function pricingFrom(flags: PricingFlags): PricingOptions {
  const usdPerCredit = numberFlag('--usd-per-credit', flags.usdPerCredit);
  return usdPerCredit === undefined ? {} : { usdPerCredit };
}

function summary(request: { mode: string; duration?: number; sound: boolean }): string {
  const length = request.duration === undefined ? 'length of the reference video' : `${request.duration} s`;
  return `${request.mode}, ${length}, sound ${request.sound ? 'on' : 'off'}`;
}

export function registerQuote(program: Command, ctx: Context): void {
  const command = program
    .command('quote')
    .description('price one request at every gateway that can serve it, cheapest first (nothing is sent)');
  addRequestOptions(command);
  addPricingOption(command);
  addJsonOption(command);
  withHelp(command, [
    'kling quote --prompt "a paper boat on a rainy street" --mode pro --duration 8 --sound',
    'kling quote --prompt "a fox" --usd-per-credit 0.01 --json',
  ]);
  command.action((flags: RequestFlags & PricingFlags & JsonFlag) => {
    const out = begin(ctx, flags);
    const request = requestFromFlags(flags);
    const pricing = pricingFrom(flags);
    const unavailable: { gateway: GatewayId; reasons: string[] }[] = [];
    for (const gateway of GATEWAY_IDS) {
      const reasons = [...findUnsupported(gateway, request), ...findMissingRequired(gateway, request)];
      if (reasons.length > 0) unavailable.push({ gateway, reasons: reasons.map((r) => r.message) });
    }
    const quotes: CostEstimate[] = quote(request, pricing).filter(
      (e) => !unavailable.some((u) => u.gateway === e.gateway),
    );
    out.result({ ok: true, request, quotes, unavailable });
    if (quotes.length === 0) {
      out.note(unavailable.map((u) => `${u.gateway}: ${u.reasons.join('; ')}`).join('\n'));
      throw new CliError(EXIT.usage, 'no gateway can serve this request');
    }
    out.line(`Kling 3.0, ${summary(request)}: cheapest first`);
    out.line();
    out.line(
      table(
        ['gateway', 'vendor', 'rate', 'billed', 'per second', 'total', 'in USD'],
        quotes.map((e) => [
          e.gateway,
          GATEWAYS[e.gateway].vendor,
          e.rateKey,
          e.billedSeconds === null ? '?' : `${e.billedSeconds} s`,
          perSecond(e),
          total(e),
          inUsd(e),
        ]),
      ),
    );
    const notes = quotes.flatMap((e) => {
      if (!e.exact) return [`${e.gateway}: price unknown: ${e.reason}`];
      if (e.usd === null) return [`${e.gateway}: no dollar rate published; pass --usd-per-credit to rank it`];
      if (e.usdApproximate) return [`${e.gateway}: dollars use the vendor's approximate "~$0.01 per credit"`];
      return [];
    });
    for (const u of unavailable) notes.push(`${u.gateway} can't serve it: ${u.reasons.join('; ')}`);
    if (notes.length > 0) {
      out.line();
      for (const note of notes) out.line(`  ${note}`);
    }
  });
}

export function registerEstimate(program: Command, ctx: Context): void {
  const command = program
    .command('estimate')
    .description('price one request at one gateway, as the gateway bills it (nothing is sent)');
  addGatewayOption(command);
  addRequestOptions(command);
  addPricingOption(command);
  addJsonOption(command);
  withHelp(command, ['kling estimate --gateway evolink --prompt "a fox" --duration 7 --sound']);
  command.action((flags: RequestFlags & PricingFlags & GatewayFlags & JsonFlag) => {
    const out = begin(ctx, flags);
    const gateway = gatewayFrom(flags, ctx.env);
    const request = validateForGateway(gateway, requestFromFlags(flags, gateway));
    const estimate = estimateCost(gateway, request, pricingFrom(flags));
    out.result({ ok: true, request, estimate });
    out.line(describeEstimate(estimate));
  });
}

export { addPricingOption, type PricingFlags };
