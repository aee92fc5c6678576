// Real implementations of the core's crypto interfaces live in this target (Classic/: Ed25519, HMAC).
