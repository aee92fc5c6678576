#!/usr/bin/env python3
"""Times blst (through the `pyblst` PyPI bindings) on the same operations as
`BLSBenchmark.run()` so that the Swift implementation can be compared as a ratio.

Prints one line per operation: `<name>: <median µs> µs`, measured as thread CPU
time (like the Swift side) so that a loaded machine distorts the ratio less.
Python call overhead (~1 µs per call) is included, which slightly favours Swift.
"""
import statistics
import sys
import time

import pyblst

SIG_DST = b"BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_"
P1 = pyblst.BlstP1Element
P2 = pyblst.BlstP2Element
G1 = P1.uncompress(bytes.fromhex(
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb"))
G2 = P2.uncompress(bytes.fromhex(
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8"))
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001


def measure(name, iterations, fn):
    fn()
    samples = []
    for _ in range(iterations):
        t0 = time.thread_time()
        fn()
        samples.append((time.thread_time() - t0) * 1e6)
    print(f"{name}: {statistics.median(samples):.1f} µs")


def main():
    iterations = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    shares = int(sys.argv[2]) if len(sys.argv) > 2 else 49
    msg = b"benchmark message"
    sk = 0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF % R
    pk = G1.scalar_mul(sk)
    h = P2.hash_to_group(msg, SIG_DST)
    sig = h.scalar_mul(sk)
    neg_g1 = -G1

    def verify(pk_, sig_):
        hm = P2.hash_to_group(msg, SIG_DST)
        return pyblst.final_verify(pyblst.miller_loop(pk_, hm), pyblst.miller_loop(G1, sig_))

    measure("pairing check (2 Miller loops + final exp)", iterations,
            lambda: pyblst.final_verify(pyblst.miller_loop(G1, G2), pyblst.miller_loop(neg_g1, G2)))
    measure("Miller loop", iterations, lambda: pyblst.miller_loop(G1, G2))
    measure("hash-to-G2", iterations, lambda: P2.hash_to_group(msg, SIG_DST))
    measure("sign", iterations, lambda: P2.hash_to_group(msg, SIG_DST).scalar_mul(sk))
    measure("verify", iterations, lambda: verify(pk, sig))
    measure("public key decode (G1, with subgroup check)", iterations, lambda: P1.uncompress(pk.compress()))
    measure("signature decode (G2, with subgroup check)", iterations, lambda: P2.uncompress(sig.compress()))

    keys = [(sk + 7 * i + 1) % R for i in range(shares)]
    pks = [G1.scalar_mul(k) for k in keys]
    sigs = [h.scalar_mul(k) for k in keys]

    def aggregate_and_verify():
        agg_sig = sigs[0]
        for s in sigs[1:]:
            agg_sig = agg_sig + s
        agg_pk = pks[0]
        for p in pks[1:]:
            agg_pk = agg_pk + p
        assert verify(agg_pk, agg_sig)

    measure(f"aggregate {shares} signatures + FastAggregateVerify", iterations, aggregate_and_verify)

    lambdas = [(k * 0x9E3779B97F4A7C15 + 3) % R for k in keys]

    def combine():
        acc = sigs[0].scalar_mul(lambdas[0])
        for s, l in zip(sigs[1:], lambdas[1:]):
            acc = acc + s.scalar_mul(l)
        return acc

    measure(f"threshold combine {shares} shares (naive per-share scalar mul)", iterations, combine)


if __name__ == "__main__":
    main()
