export * from './exit-codes.js';
export * from './operator.js';
