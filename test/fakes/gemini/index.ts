/**
 * Wire-level fake of the Gemini Developer API (v1beta) for tests: a real HTTP server on
 * 127.0.0.1 that the real `@google/genai` SDK talks to. See `startFakeGemini`.
 */
export { startFakeGemini } from './server.js';
export type { FakeGemini, FakeGeminiOptions, RecordedRequest } from './types.js';
export { FakeClock, nextPacificMidnight, pacificDay } from './clock.js';
export type { BatchSchedule, BatchState, StoredBatch } from './batches.js';
export type { StoredFile } from './files.js';
export type { ActiveRule, InjectMatch, InjectResponse, InjectRule } from './inject.js';
export { DEFAULT_MODELS, type FakeModel } from './models.js';
export type { KeyConfig, ModelLimits, UsageSnapshot } from './quota.js';
export { GoogleApiError, type GoogleErrorBody } from './errors.js';
