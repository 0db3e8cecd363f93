/** A small seeded PRNG (mulberry32): the same seed replays the same ids, render times and faults. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Start the sequence over, as `new SeededRandom(seed)` would. */
  reseed(seed: number): void {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** `length` characters drawn from `alphabet`. */
  chars(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.next() * alphabet.length)] ?? '';
    return out;
  }

  hex(length: number): string {
    return this.chars('0123456789abcdef', length);
  }

  /** A version-4 shaped UUID. */
  uuid(): string {
    const variant = '89ab'[Math.floor(this.next() * 4)] ?? '8';
    return `${this.hex(8)}-${this.hex(4)}-4${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(12)}`;
  }
}

/** A fresh seed for runs that did not ask for one; reported back so a failure can be replayed. */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}
