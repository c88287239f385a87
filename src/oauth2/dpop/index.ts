// RFC 9449 DPoP: one folder (proof checks, server nonces, the replay store's interface, binding rules).
export { DPOP_ALGS, dpopAlgs, accessTokenHash, verifyDpopProof, type DpopSettings, type ProofTarget, type VerifiedProof } from './proof.ts';
export { DpopNonces } from './nonce.ts';
export { normaliseHtu } from './htu.ts';
export type { DpopReplayStore } from './replay.ts';
export { isJkt, checkBoundKey, dpopBinding } from './binding.ts';
