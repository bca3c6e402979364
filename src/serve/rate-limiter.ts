import { usageError } from '../errors.js';

export interface RateLimitOptions {
  /** Sustained requests per second allowed per client. Default 200. */
  requestsPerSecond?: number;
  /** Requests a client may make at once before the rate applies. Default 2 × requestsPerSecond. */
  burst?: number;
  /** Clients tracked at most; the least recently seen are forgotten first. Default 10000. */
  maxClients?: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * A token bucket per client key (the client address): each request takes a token, tokens come back at
 * `requestsPerSecond` up to `burst`. Memory is bounded by `maxClients`.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly maxClients: number;

  constructor(
    options: RateLimitOptions = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    this.rate = options.requestsPerSecond ?? 200;
    this.burst = options.burst ?? 2 * this.rate;
    this.maxClients = options.maxClients ?? 10_000;
    if (!(this.rate > 0) || !Number.isFinite(this.rate)) {
      throw usageError(`rate limit must be a positive number of requests per second, got ${this.rate}`);
    }
    if (!(this.burst >= 1) || !Number.isFinite(this.burst)) {
      throw usageError(`rate limit burst must be at least 1, got ${this.burst}`);
    }
    if (!Number.isInteger(this.maxClients) || this.maxClients < 1) {
      throw usageError(`rate limit maxClients must be a positive integer, got ${this.maxClients}`);
    }
  }

  take(key: string): RateDecision {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (bucket) {
      // Re-insert so the map stays ordered by last use and the oldest entry is the first.
      this.buckets.delete(key);
      bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updated) / 1000) * this.rate);
      bucket.updated = now;
    } else {
      bucket = { tokens: this.burst, updated: now };
      if (this.buckets.size >= this.maxClients) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
    }
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / this.rate)) };
  }

  get trackedClients(): number {
    return this.buckets.size;
  }
}
