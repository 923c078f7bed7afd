/** A wallet to create on first start. */
export interface WalletSeed {
  customerId: string;
  customerName: string;
  walletId: string;
  /** Minor units. */
  balance: number;
  /** The tenant it belongs to; default the demo tenant. */
  tenantId?: string;
}

/** The two customers of Stytch's Node tutorial, with its ids and balances, so its requests work unchanged. */
export const TUTORIAL_WALLETS: readonly WalletSeed[] = [
  { customerId: '67uhjio098uhgt6l', customerName: 'john_doe', walletId: 'oipk9ifgl7yto9w', balance: 1790 },
  { customerId: 'plu8iio0t3uhh06h', customerName: 'jane_doe', walletId: 'ui099jlolrrao6g', balance: 970 },
];
