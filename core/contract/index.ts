export * from './errors.js';
export * from './schemas.js';
export * from './methods.js';
export * from './events.js';
export * from './dispatch.js';
export * from './client.js';
export * from './transport-http.js';
export * from './format.js';
