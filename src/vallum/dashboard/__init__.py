"""The dashboard served by `vallum serve` under `/ui` (docs/dashboard.md)."""

from vallum.dashboard.app import create_dashboard

__all__ = ["create_dashboard"]
