export * from './capabilities.js';
export * from './gateways.js';
export * from './media.js';
export * from './rates.js';
export * from './render-times.js';
export * from './task.js';
export * from './video-request.js';
