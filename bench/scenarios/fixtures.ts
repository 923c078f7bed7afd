/** The tutorial's seeded customers (the wallet-server seeds the same ones). */
export const JOHN_DOE = '67uhjio098uhgt6l';
export const JANE_DOE_WALLET = 'ui099jlolrrao6g';

/** The payment-server refuses to start without an admin key of at least 32 characters. */
export const BENCH_ADMIN_API_KEY = 'bench-admin-key-0123456789abcdef0123456789abcdef';
