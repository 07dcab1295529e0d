# tests/crypto_diff.py TOOL [N]: compare crypto.c (through TOOL, the
# tests/crypto_tool binary) with independent implementations on N random
# inputs of each kind: python3-cryptography for SHA-256, HMAC, HKDF and the
# ChaCha20-Poly1305 AEAD (sealing, opening, and refusing changed bytes), and
# `openssl pkeyutl -derive` for X25519 (python's X25519 for more cases).
# Prints one line per kind; exits 1 at the first disagreement, 77 when a
# reference implementation is missing.
import os, random, subprocess, sys, tempfile

try:
    from cryptography.hazmat.primitives import hashes, hmac as chmac, serialization
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
except ImportError:
    print("needs python3-cryptography")
    sys.exit(77)

tool, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 200
seed = int.from_bytes(os.urandom(4), "big")
rnd = random.Random(seed)
print("seed %d" % seed)


def rb(k):
    return bytes(rnd.getrandbits(8) for _ in range(k))


def length():
    # around block edges (16, 32, 64), and anywhere up to a datagram
    return rnd.choice([0, 1, 15, 16, 17, 31, 32, 33, 55, 56, 63, 64, 65, 127, 128, 129, rnd.randrange(1300)])


def h(b):
    return b.hex() if b else "-"


cases = []  # (kind, request, expected answer)
for _ in range(n):
    m = rb(length())
    d = hashes.Hash(hashes.SHA256()); d.update(m)
    cases.append(("sha256", "sha256 " + h(m), d.finalize().hex()))
    key = rb(rnd.choice([0, 1, 32, 64, 65, 200]))
    mac = chmac.HMAC(key, hashes.SHA256()); mac.update(m)
    cases.append(("hmac", "hmac %s %s" % (h(key), h(m)), mac.finalize().hex()))
    salt, ikm, info, L = rb(length() % 100), rb(length() % 100 + 1), rb(length() % 100), rnd.randrange(1, 400)
    okm = HKDF(hashes.SHA256(), L, salt or None, info).derive(ikm)
    cases.append(("hkdf", "hkdf %s %s %s %d" % (h(salt), h(ikm), h(info), L), okm.hex()))
    k, nonce, ad, pt = rb(32), rb(12), rb(length() % 80), rb(length())
    ct = ChaCha20Poly1305(k).encrypt(nonce, pt, ad)
    cases.append(("seal", "seal %s %s %s %s" % (h(k), h(nonce), h(ad), h(pt)), ct.hex()))
    cases.append(("open", "open %s %s %s %s" % (h(k), h(nonce), h(ad), h(ct)), pt.hex()))
    bad = bytearray(ct); bad[rnd.randrange(len(bad))] ^= 1 << rnd.randrange(8)
    cases.append(("open", "open %s %s %s %s" % (h(k), h(nonce), h(ad), h(bytes(bad))), "refused"))
    s, u = rb(32), X25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    shared = X25519PrivateKey.from_private_bytes(s).exchange(X25519PublicKey.from_public_bytes(u))
    cases.append(("x25519", "x25519 %s %s" % (h(s), h(u)), shared.hex()))

p = subprocess.run([tool], input="".join(c[1] + "\n" for c in cases), capture_output=True, text=True)
got = p.stdout.split("\n")
counts = {}
for (kind, req, want), ans in zip(cases, got):
    if ans != want:
        print("%s disagrees with python3-cryptography: %s -> %s, want %s" % (kind, req[:120], ans[:80], want[:80]))
        sys.exit(1)
    counts[kind] = counts.get(kind, 0) + 1
if len(got) < len(cases):
    print("the tool answered %d of %d" % (len(got), len(cases)))
    sys.exit(1)
for kind in sorted(counts):
    print("%s: %d random cases agree with python3-cryptography" % (kind, counts[kind]))

# X25519 against openssl, key files in DER made from the raw bytes
if subprocess.run(["sh", "-c", "command -v openssl"], capture_output=True).returncode != 0:
    print("needs openssl")
    sys.exit(77)
d = tempfile.mkdtemp()
agree = 0
for i in range(max(n // 10, 20)):
    a = X25519PrivateKey.from_private_bytes(rb(32))
    b = X25519PrivateKey.from_private_bytes(rb(32))
    with open(d + "/a.der", "wb") as f:
        f.write(a.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    with open(d + "/b.der", "wb") as f:
        f.write(b.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))
    o = subprocess.run(["openssl", "pkeyutl", "-derive", "-keyform", "DER", "-inkey", d + "/a.der",
                        "-peerform", "DER", "-peerkey", d + "/b.der"], capture_output=True)
    if o.returncode != 0:
        print("openssl failed: %s" % o.stderr.decode(errors="replace").strip())
        sys.exit(1)
    sa = a.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    pb = b.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    q = subprocess.run([tool], input="x25519 %s %s\npub %s\n" % (sa.hex(), pb.hex(), sa.hex()), capture_output=True, text=True)
    mine, mypub = q.stdout.split("\n")[:2]
    opub = a.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    if mine != o.stdout.hex() or mypub != opub:
        print("x25519 disagrees with openssl: %s, %s -> %s, want %s" % (sa.hex(), pb.hex(), mine, o.stdout.hex()))
        sys.exit(1)
    agree += 1
print("x25519: %d random key pairs agree with openssl pkeyutl -derive (and their public keys)" % agree)
