"""The dashboard served by `rampart serve` under `/ui` (docs/dashboard.md)."""

from rampart.dashboard.app import create_dashboard

__all__ = ["create_dashboard"]
