import { gammaQuantile } from '../lazy-quantiles.js';
import { erfinv } from '../vendor/stdlib.js';

export const enum DistKind {
  Constant,
  Exponential,
  Lognormal,
  Gamma,
  Triangular,
  Uniform,
}

/**
 * A distribution sampled by inversion: one uniform in, one value out. Inversion is what lets every
 * shipment consume a fixed set of uniforms whatever its path (common random numbers): changing a
 * policy changes what a uniform maps to, never which uniform a shipment gets.
 */
export class Distribution {
  constructor(
    readonly kind: DistKind,
    readonly a: number,
    readonly b = 0,
    readonly c = 0,
    /** The mean, for reports and offered-load checks. */
    readonly mean = 0,
  ) {}

  /** The value at cumulative probability `u` in [0, 1): the constant law here; each other law has a class of its own (below). */
  quantile(_u: number): number {
    return this.a;
  }

  static constant(v: number): Distribution {
    return new Distribution(DistKind.Constant, v, 0, 0, v);
  }
  static exponential(mean: number): Distribution {
    return new Exponential(DistKind.Exponential, mean, 0, 0, mean);
  }
  static lognormalMedian(median: number, sigma: number): Distribution {
    return new Lognormal(DistKind.Lognormal, Math.log(median), sigma, 0, median * Math.exp((sigma * sigma) / 2));
  }
  static lognormalMean(mean: number, cv: number): Distribution {
    const s2 = Math.log(1 + cv * cv);
    return new Lognormal(DistKind.Lognormal, Math.log(mean) - s2 / 2, Math.sqrt(s2), 0, mean);
  }
  static gamma(mean: number, cv: number): Distribution {
    const shape = 1 / (cv * cv);
    return new Gamma(DistKind.Gamma, shape, shape / mean, 0, mean);
  }
  static triangular(min: number, mode: number, max: number): Distribution {
    return new Triangular(DistKind.Triangular, min, mode, max, (min + mode + max) / 3);
  }
  static uniform(min: number, max: number): Distribution {
    return new Uniform(DistKind.Uniform, min, max, 0, (min + max) / 2);
  }
}

// One class per law, each with its own small `quantile`: a call site sees one or a few of them
// and the optimiser inlines each (one method with a switch over every law was too large to
// inline, so each service time drawn was a call that returned its double boxed).

class Exponential extends Distribution {
  override quantile(u: number): number {
    return -this.a * Math.log(1 - u);
  }
}

class Lognormal extends Distribution {
  // a = mu, b = sigma of the underlying normal; the standard normal quantile is stdlib's
  // normalQuantile(u, 0, 1) as it computes it (mu + sigma * sqrt(2) * erfinv(2u - 1)), the
  // same double, without its checks of arguments that are always valid here
  override quantile(u: number): number {
    return Math.exp(this.a + this.b * (0 + Math.SQRT2 * erfinv(2 * u - 1)));
  }
}

class Gamma extends Distribution {
  // a = shape, b = rate
  override quantile(u: number): number {
    return gammaQuantile(u, this.a, this.b);
  }
}

class Triangular extends Distribution {
  override quantile(u: number): number {
    const lo = this.a,
      mode = this.b,
      hi = this.c,
      span = hi - lo;
    if (span === 0) return lo;
    const f = (mode - lo) / span;
    return u < f ? lo + Math.sqrt(u * span * (mode - lo)) : hi - Math.sqrt((1 - u) * span * (hi - mode));
  }
}

class Uniform extends Distribution {
  override quantile(u: number): number {
    return this.a + u * (this.b - this.a);
  }
}
