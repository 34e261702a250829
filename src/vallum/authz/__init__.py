"""Cedar authorization: policies compiled once per bundle version, evaluated fail-closed."""

from vallum.authz.authorizer import Authorizer, AuthzResult

__all__ = ["Authorizer", "AuthzResult"]
