// A cap on concurrent expensive work (key pair generation: an RSA_4096 pair takes about a second of a
// thread-pool thread), globally and per principal. Beyond either cap the request is refused at once with
// the gateway's throttling answer (429 APIGW.0308, which Huawei's clients retry) rather than queued: a
// queue would let one caller fill the thread pool that every other request's WebCrypto calls need.
import { KmsError } from './errors.ts';

export const THROTTLED = 'APIGW.0308';

export class ConcurrencyLimit {
  private active = 0;
  private readonly byPrincipal = new Map<string, number>();

  constructor(
    readonly what: string,
    readonly global: number,
    readonly perPrincipal: number,
  ) {}

  async run<T>(principal: string, work: () => Promise<T>): Promise<T> {
    const mine = this.byPrincipal.get(principal) ?? 0;
    if (this.active >= this.global || mine >= this.perPrincipal) {
      const limit = this.active >= this.global ? `${this.global} at a time` : `${this.perPrincipal} at a time per caller`;
      throw new KmsError(THROTTLED, `The throttling threshold has been reached: ${this.what} runs ${limit}; retry later.`, 429);
    }
    this.active++;
    this.byPrincipal.set(principal, mine + 1);
    try {
      return await work();
    } finally {
      this.active--;
      const left = (this.byPrincipal.get(principal) ?? 1) - 1;
      if (left > 0) this.byPrincipal.set(principal, left);
      else this.byPrincipal.delete(principal);
    }
  }
}
