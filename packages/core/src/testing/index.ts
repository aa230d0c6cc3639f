export { runConformance, type ConformanceBackend, type ConformanceOptions } from './conformance.js';
export { interleavedFixture, expectedTimeline, FIXTURE_EPOCH, type RunFixture, type FixtureSeries } from './fixtures.js';
export { failureOf } from './failure.js';
