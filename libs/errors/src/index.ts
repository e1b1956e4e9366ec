export * from './lib/error-code';
export * from './lib/app-error';
export * from './lib/openai-error-body';
export * from './lib/reply-error';
export * from './lib/exit-codes';
