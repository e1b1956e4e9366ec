export * from './lib/micros';
export * from './lib/asset-units';
