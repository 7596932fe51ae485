"""The dossier's verifiable format, and its offline verifier.

Everything a party needs to check an exported dossier lives here, with no dependency
but `cryptography`: the canonical JSON rule and entry hash (`canonical`), the Merkle
tree of signed checkpoints (`merkle`), the checkpoint log (`checkpoints`) and the
checks themselves (`verify`). The platform builds its hashes, trees and checkpoints
with these same functions, so the two cannot drift apart.
"""
