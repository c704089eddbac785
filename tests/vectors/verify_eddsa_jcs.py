"""An eddsa-jcs-2022 verifier written apart from certcase, from the W3C vc-di-eddsa
specification (3.3 eddsa-jcs-2022, "Verify Proof"): RFC 8785 by the `rfc8785` package,
Ed25519 by `cryptography`, base58btc by `base58` (all from PyPI).

Usage: verify_eddsa_jcs.py SECURED.json CONTROLLER.json
Prints "verified" and exits 0, or prints why not and exits 1. The verification method the
proof names must be in the controller document's verificationMethod and assertionMethod.
"""

import hashlib
import json
import sys

import base58
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def refuse(why):
    print("not verified: " + why)
    sys.exit(1)


def main(secured_path, controller_path):
    with open(secured_path, encoding="utf-8") as f:
        document = json.load(f)
    with open(controller_path, encoding="utf-8") as f:
        controller = json.load(f)
    proof = dict(document.pop("proof", None) or refuse("no proof"))
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != "eddsa-jcs-2022":
        refuse("not an eddsa-jcs-2022 DataIntegrityProof")
    if proof.get("proofPurpose") != "assertionMethod":
        refuse("not an assertion")
    proof_value = proof.pop("proofValue", "")
    if "@context" in proof:
        context = proof["@context"]
        if document.get("@context", [])[: len(context)] != context:
            refuse("the proof's @context does not start the document's")
        document["@context"] = context
    method_id = proof.get("verificationMethod")
    if method_id not in controller.get("assertionMethod", []):
        refuse("the method is not an assertion method of the controller")
    methods = [m for m in controller.get("verificationMethod", []) if m.get("id") == method_id]
    if len(methods) != 1 or methods[0].get("type") != "Multikey":
        refuse("no Multikey " + str(method_id))
    multikey = methods[0]["publicKeyMultibase"]
    raw = base58.b58decode(multikey[1:]) if multikey.startswith("z") else b""
    if raw[:2] != b"\xed\x01" or len(raw) != 34:
        refuse("not an Ed25519 Multikey")
    if not proof_value.startswith("z"):
        refuse("the proof value is not base58btc")
    hash_data = (
        hashlib.sha256(rfc8785.dumps(proof)).digest()
        + hashlib.sha256(rfc8785.dumps(document)).digest()
    )
    try:
        Ed25519PublicKey.from_public_bytes(raw[2:]).verify(
            base58.b58decode(proof_value[1:]), hash_data
        )
    except (InvalidSignature, ValueError):
        refuse("the signature does not match")
    print("verified")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
