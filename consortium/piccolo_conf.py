"""Piccolo's configuration module (PICCOLO_CONF=consortium.piccolo_conf). The engine is built from Settings."""

from piccolo.conf.apps import AppRegistry

from consortium.db import engine_for
from consortium.settings import Settings

DB = engine_for(Settings.from_env())

APP_REGISTRY = AppRegistry(apps=["consortium.piccolo_app"])
