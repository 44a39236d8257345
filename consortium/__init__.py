"""Consortium: pool match funding across a network of organisations and submit one bid together."""

import os

# Piccolo finds its engine through this module path; set it for every entry point (app, CLI, tests).
os.environ.setdefault("PICCOLO_CONF", "consortium.piccolo_conf")

__version__ = "0.1.0"
