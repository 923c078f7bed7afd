export * from './authorizeTokenMetrics';
export * from './httpMetrics';
export * from './metricsRoute';
export * from './metricsToken';
export * from './registry';
export { Counter, Gauge, Histogram, type Registry } from 'prom-client';
