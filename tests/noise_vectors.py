# tests/noise_vectors.py TOOL [FILE]: replay the published test vectors for
# Noise_XX_25519_ChaChaPoly_SHA256 (cacophony's and snow's, as collected in
# FILE, by default ../shared/noise-vectors/xx_25519_chachapoly_sha256.json
# beside the repository) through secure.c's sec_xx_* (by TOOL, the
# tests/crypto_tool binary): every handshake and transport message must come
# out byte for byte, open at the other side, and end in the same handshake
# hash.  Exits 1 at a disagreement, 77 when the vectors are not there.
import json, os, subprocess, sys

tool = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    here, "..", "..", "shared", "noise-vectors", "xx_25519_chachapoly_sha256.json")
if not os.path.exists(path):
    print("no test vectors at %s" % os.path.normpath(path))
    sys.exit(77)
vectors = [v for v in json.load(open(path))["vectors"]
           if v["protocol_name"] == "Noise_XX_25519_ChaChaPoly_SHA256"
           and not v.get("init_psks") and not v.get("resp_psks")]
if not vectors:
    print("no Noise_XX_25519_ChaChaPoly_SHA256 vectors in %s" % path)
    sys.exit(1)


def h(s):
    return s if s else "-"


reqs = []
for v in vectors:
    if v["init_prologue"] != v["resp_prologue"]:
        print("a vector with two prologues: %s" % v.get("file"))
        sys.exit(1)
    reqs.append("xx %s %s %s %s %s %s\n" % (
        h(v["init_prologue"]), v["init_static"], v["init_ephemeral"], v["resp_static"],
        v["resp_ephemeral"], " ".join(h(m["payload"]) for m in v["messages"])))
out = subprocess.run([tool], input="".join(reqs), capture_output=True, text=True, check=True).stdout
bad = 0
for v, line in zip(vectors, out.split("\n")):
    got = line.split()
    want = [m["ciphertext"] for m in v["messages"]]
    name = "%s (%s)" % (v.get("file", "?"), v["init_prologue"][:16])
    if got[:len(want)] != want:
        k = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), len(got))
        print("%s: message %d differs:\n  got  %s\n  want %s" % (
            name, k + 1, got[k] if k < len(got) else line, want[k] if k < len(want) else "-"))
        bad += 1
    elif "handshake_hash" in v and got[len(want):] != [v["handshake_hash"]]:
        print("%s: handshake hash %s, not %s" % (name, got[len(want):], v["handshake_hash"]))
        bad += 1
    else:
        print("%s: %d messages byte for byte%s" % (
            name, len(want), ", and the handshake hash" if "handshake_hash" in v else ""))
sys.exit(1 if bad else 0)
