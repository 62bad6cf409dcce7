/**
 * What the server and the client share: the wire protocol, close codes, limits, document names
 * and presence fields.
 */
export * from './protocol.js';
export * from './close-codes.js';
export * from './limits.js';
export * from './document-name.js';
export * from './presence.js';
