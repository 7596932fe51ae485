"""The development key pair for access tokens.

Public on purpose: it lets a fresh checkout run without set-up. Settings refuse it
whenever ENVIRONMENT is production, so it can never sign or verify a real token.
"""

DEVELOPMENT_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIOaSUJ7fKluUhZ6bgCBhxoDtMfJhUFQrBMGIRZ4lJ6iq
-----END PRIVATE KEY-----
"""

DEVELOPMENT_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEA30/skV13VVeIk8mmAPEpoGItjVY2Y/ilMfQI4vfd0Go=
-----END PUBLIC KEY-----
"""

# Signs the dossier's checkpoints (the filing service's FILING_CHECKPOINT_PRIVATE_KEY). Public on
# purpose like the pair above, and refused in production the same way.
DEVELOPMENT_CHECKPOINT_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIDeILq6DEv/T5rfUAPdm0yhZpPW+eM6nT3h/HUnHgkuC
-----END PRIVATE KEY-----
"""
