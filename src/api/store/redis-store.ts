import { Redis } from 'ioredis';
import { ClearsimError } from '../../errors.js';
import { redactUrl } from '../../runtime/bullmq/connection.js';
import { BLOB_NAMES, matches, type BlobName, type RunFilter, type RunRecord, type RunStore, type SavedScenario } from './run-store.js';

/**
 * Runs in Redis (the server's, when it is given one): a record per run as JSON, a sorted set of
 * the ids by order, a string per blob, a hash of saved scenarios. Every key starts with the prefix
 * (default `clearsim:store:`), apart from BullMQ's own (`bull:`).
 */
export class RedisStore implements RunStore {
  readonly backend = 'redis' as const;
  private redis!: Redis;

  constructor(
    readonly url: string,
    readonly prefix = 'clearsim:store:',
  ) {}

  get where(): string {
    return `${redactUrl(this.url)} (keys ${this.prefix}*)`;
  }

  private k(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  async open(): Promise<void> {
    this.redis = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 2, connectTimeout: 5000 });
    // errors reach the caller through the commands; an 'error' event without a listener would crash the process
    this.redis.on('error', () => {});
    try {
      await this.redis.connect();
    } catch (err) {
      this.redis.disconnect();
      throw new ClearsimError('REDIS_UNREACHABLE', `run store: cannot reach Redis at ${redactUrl(this.url)} (${(err as Error).message})`);
    }
  }

  async close(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis.disconnect());
  }

  async save(rec: RunRecord): Promise<void> {
    await this.redis.multi().set(this.k('run', rec.id), JSON.stringify(rec)).zadd(this.k('runs'), rec.order, rec.id).exec();
  }

  async get(id: string): Promise<RunRecord | null> {
    const s = await this.redis.get(this.k('run', id));
    return s ? (JSON.parse(s) as RunRecord) : null;
  }

  async list(filter: RunFilter = {}): Promise<{ runs: RunRecord[]; total: number }> {
    const ids = await this.redis.zrevrange(this.k('runs'), 0, -1);
    if (!ids.length) return { runs: [], total: 0 };
    const docs = await this.redis.mget(ids.map((id) => this.k('run', id)));
    const all = docs
      .filter((d): d is string => !!d)
      .map((d) => JSON.parse(d) as RunRecord)
      .filter((r) => matches(r, filter));
    return { runs: all.slice(0, filter.limit ?? all.length), total: all.length };
  }

  async remove(id: string): Promise<boolean> {
    const blobs = BLOB_NAMES.map((b) => this.k('run', id, b));
    const res = await this.redis
      .multi()
      .del(this.k('run', id))
      .zrem(this.k('runs'), id)
      .del(...blobs)
      .exec();
    return Number(res?.[0]?.[1] ?? 0) > 0;
  }

  async putBlob(id: string, name: BlobName, value: unknown): Promise<void> {
    await this.redis.set(this.k('run', id, name), JSON.stringify(value));
  }

  async getBlob<T>(id: string, name: BlobName): Promise<T | null> {
    const s = await this.redis.get(this.k('run', id, name));
    return s === null ? null : (JSON.parse(s) as T);
  }

  async saveScenario(s: SavedScenario): Promise<void> {
    await this.redis.hset(this.k('scenarios'), s.name, JSON.stringify(s));
  }
  async getScenario(name: string): Promise<SavedScenario | null> {
    const s = await this.redis.hget(this.k('scenarios'), name);
    return s ? (JSON.parse(s) as SavedScenario) : null;
  }
  async listScenarios(): Promise<SavedScenario[]> {
    const all = await this.redis.hvals(this.k('scenarios'));
    return all.map((s) => JSON.parse(s) as SavedScenario).sort((a, b) => a.name.localeCompare(b.name));
  }
  async removeScenario(name: string): Promise<boolean> {
    return (await this.redis.hdel(this.k('scenarios'), name)) > 0;
  }
}
