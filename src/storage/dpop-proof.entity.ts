import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { epochMs } from './columns.ts';

/**
 * RFC 9449 §11.1: DPoP proofs seen, per key, while their iat is acceptable (the replay cache of instances that share
 * no Redis). The unique (jkt, jti_hash) insert is the check; `cleartokens` deletes expired rows.
 */
export const DpopProof = defineEntity({
  name: 'DpopProof',
  tableName: 'dpop_proofs',
  properties: {
    id: p.integer().primary(),
    jkt: p.string().length(43),
    /** SHA-256 of the jti (the client chooses it: its length is bounded here, not by the client). */
    jtiHash: p.string().length(64),
    expiresAt: epochMs().index(),
  },
  uniques: [{ properties: ['jkt', 'jtiHash'] }],
});
export type DpopProofEntity = InferEntity<typeof DpopProof>;
