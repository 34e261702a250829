"""Integrations with agent frameworks and benchmarks (optional extras)."""
