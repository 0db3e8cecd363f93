// node --import ./test/helpers/fast-time.mjs: this process's clock runs KLING_TIME_FACTOR times faster
// (Date.now, new Date(), setTimeout, setInterval), as the gateway simulator does at timeScale
// 1/KLING_TIME_FACTOR. test/readme.test.ts runs the README's examples with it: they are written as a
// user writes them (no test clock, the default polling), and a 60 s first poll takes a second or two.
//
// One exception: a timer of 30 s or more lasts at least 1.5 s of real time. Those are deadlines (a
// request's, 60 s by default, a wait's) and the first poll; a loopback request on a loaded machine can
// take longer than 60 s / 100, and a deadline that fires first would fail a submit that did nothing wrong.
const factor = Number(process.env.KLING_TIME_FACTOR ?? '1');
if (!(factor >= 1 && Number.isFinite(factor)))
  throw new Error(`KLING_TIME_FACTOR must be >= 1, got ${factor}`);

const LONG_MS = 30_000;
const LONG_FLOOR_MS = 1_500;

if (factor !== 1) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const start = realNow();
  const now = () => Math.round(start + (realNow() - start) * factor);

  class FastDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(now());
      else super(...args);
    }
    static now() {
      return now();
    }
  }
  globalThis.Date = FastDate;

  const { setTimeout: realSetTimeout, setInterval: realSetInterval } = globalThis;
  const scaled = (ms) => {
    if (typeof ms !== 'number' || !(ms > 0)) return ms;
    return ms >= LONG_MS ? Math.max(ms / factor, LONG_FLOOR_MS) : ms / factor;
  };
  globalThis.setTimeout = (fn, ms, ...args) => realSetTimeout(fn, scaled(ms), ...args);
  globalThis.setInterval = (fn, ms, ...args) => realSetInterval(fn, scaled(ms), ...args);
}
