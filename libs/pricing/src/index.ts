export * from './lib/price-table.schema';
export * from './lib/price-table';
export * from './lib/quote';
export * from './lib/auto-candidates';
export * from './lib/billable';
export * from './lib/byok-fee';
