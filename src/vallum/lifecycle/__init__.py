"""The policy lifecycle: versions and activations, hot reload, shadow evaluation, replay."""

from vallum.lifecycle.active import ActiveBundle, BundleSource, StaticBundleSource
from vallum.lifecycle.replay import ReplayReport, replay
from vallum.lifecycle.shadow import OverlaySessionStore, ShadowEngine
from vallum.lifecycle.store import Activation, PolicyStore

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
