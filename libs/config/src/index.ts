export * from './lib/load-env';
export * from './lib/base.env';
export * from './lib/subject-prefix';
