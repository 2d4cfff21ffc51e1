"""Random bearer secrets (session cookies, API tokens) and the digests stored in their place."""

from __future__ import annotations

import base64
import hashlib
import secrets

API_TOKEN_PREFIX = "fct_"
# Field nodes' own tokens, good only for the node API.
NODE_TOKEN_PREFIX = "fcn_"
ADOPTION_TOKEN_PREFIX = "fca_"
# Characters of a token shown in lists so an operator can tell tokens apart.
DISPLAY_PREFIX_LEN = 12


def random_secret() -> str:
    """256 random bits, URL-safe base64 without padding (43 characters)."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def new_api_token() -> str:
    return API_TOKEN_PREFIX + random_secret()


def new_adoption_token() -> str:
    return ADOPTION_TOKEN_PREFIX + random_secret()


def new_node_token() -> str:
    return NODE_TOKEN_PREFIX + random_secret()


def digest(secret: str) -> str:
    """The secrets are high-entropy, so a fast digest suffices; a database leak reveals no usable secret."""
    return hashlib.sha256(secret.encode()).hexdigest()
