export { startRedis, REDIS_SERVER, REDIS_SKIP_REASON, REQUIRE_REDIS, type TestRedis } from './redis.js';
