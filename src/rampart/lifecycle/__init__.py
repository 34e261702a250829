"""The policy lifecycle: versions and activations, hot reload, shadow evaluation, replay."""

from rampart.lifecycle.active import ActiveBundle, BundleSource, StaticBundleSource
from rampart.lifecycle.replay import ReplayReport, replay
from rampart.lifecycle.shadow import OverlaySessionStore, ShadowEngine
from rampart.lifecycle.store import Activation, PolicyStore

__all__ = [
    "Activation",
    "ActiveBundle",
    "BundleSource",
    "OverlaySessionStore",
    "PolicyStore",
    "ReplayReport",
    "ShadowEngine",
    "StaticBundleSource",
    "replay",
]
